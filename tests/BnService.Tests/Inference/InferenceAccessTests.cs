using BnService.Security;
using BnService.Tests.Infrastructure;
using BnService.Tests.Security;

namespace BnService.Tests.Inference;

/// <summary>The protocol's endpoints declare their access: health open, everything else read (training checks write itself).</summary>
[Collection(SharedServiceCollection.Name)]
public sealed class InferenceAccessTests(SharedService service)
{
    [Theory]
    [InlineData("GET /v2/")]
    [InlineData("GET /v2/models/{name}")]
    [InlineData("GET /v2/models/{name}/versions/{version}")]
    [InlineData("GET /v2/models/{name}/ready")]
    [InlineData("GET /v2/models/{name}/versions/{version}/ready")]
    [InlineData("POST /v2/models/{name}/infer")]
    [InlineData("POST /v2/models/{name}/versions/{version}/infer")]
    [InlineData("gRPC inference.GRPCInferenceService/ServerMetadata")]
    [InlineData("gRPC inference.GRPCInferenceService/ModelMetadata")]
    [InlineData("gRPC inference.GRPCInferenceService/ModelReady")]
    [InlineData("gRPC inference.GRPCInferenceService/ModelInfer")]
    public void MetadataReadinessAndInferenceNeedRead(string description)
    {
        var endpoint = Assert.Single(ServiceEndpoints.Of(service), e => e.Description == description);
        Assert.Equal(AccessRole.Read, AccessControl.Needed(endpoint.Endpoint));
    }

    [Theory]
    [InlineData("GET /v2/health/live")]
    [InlineData("GET /v2/health/ready")]
    [InlineData("gRPC inference.GRPCInferenceService/ServerLive")]
    [InlineData("gRPC inference.GRPCInferenceService/ServerReady")]
    public void HealthIsOpen(string description)
    {
        var endpoint = Assert.Single(ServiceEndpoints.Of(service), e => e.Description == description);
        Assert.Null(AccessControl.Needed(endpoint.Endpoint));
    }
}
