using BnService.Tests.Grpc;
using Proto = global::Inference;

namespace BnService.Tests.Inference;

/// <summary>One in-memory host per test class, with an <c>inference.GRPCInferenceService</c> client and a REST client on it.</summary>
public sealed class InferenceGrpcHost : GrpcHostFixture
{
    public Proto.GRPCInferenceService.GRPCInferenceServiceClient Client => new(Host.Invoker);

    public HttpClient Rest => Host.Rest;
}
