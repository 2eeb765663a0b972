using Bn.V1;
using BnService.Grpc;
using BnService.Tests.Infrastructure;
using Grpc.Core;

namespace BnService.Tests.Grpc;

/// <summary>The request_id rule is the protocol-neutral one: gRPC refuses what REST refuses, and changes nothing.</summary>
public sealed class GrpcRequestIdTests(ServiceHost fixture) : IClassFixture<ServiceHost>
{
    private readonly BatchNorm.BatchNormClient _client = fixture.Host.Client;

    [Fact]
    public async Task AnOverLongRequestIdIsInvalidArgumentAndChangesNothing()
    {
        var name = LayerNames.Unique("grpc-request-id");
        await _client.CreateLayerAsync(new CreateLayerRequest { Config = new Bn.V1.LayerConfig { Name = name, Channels = 2 } });

        var error = await Assert.ThrowsAsync<RpcException>(() => _client.TrainAsync(new TrainRequest
        {
            Name = name,
            Input = Tensors.Data([2, 2], [1, 2, 3, 5]),
            RequestId = new string('r', 257),
        }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("request_id", error.Trailers.GetValue(GrpcErrorInterceptor.FieldTrailer));
        Assert.Equal(0, (await _client.GetLayerAsync(new GetLayerRequest { Name = name })).Layer.Step);

        var longest = await _client.TrainAsync(new TrainRequest { Name = name, Input = Tensors.Data([2, 2], [1, 2, 3, 5]), RequestId = new string('r', 256) });
        Assert.Equal(1, longest.Step);
    }
}
