using BnService.Tests.Grpc;
using Proto = global::Inference;

namespace BnService.Tests.Inference;

/// <summary>One in-memory host per test class, with an <c>inference.GRPCInferenceService</c> client and a REST client on it.</summary>
public sealed class InferenceGrpcHost : IAsyncLifetime
{
    private GrpcHost? _host;

    internal GrpcHost Host => _host ?? throw new InvalidOperationException("not started");

    public Proto.GRPCInferenceService.GRPCInferenceServiceClient Client => new(Host.Channel);

    public HttpClient Rest => Host.Rest;

    public Task InitializeAsync()
    {
        _host = GrpcHost.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
