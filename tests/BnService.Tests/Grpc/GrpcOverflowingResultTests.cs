using Bn.V1;
using BnService.Grpc;
using BnService.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace BnService.Tests.Grpc;

/// <summary>An infer whose output would leave float32's range is INVALID_ARGUMENT naming the field; the layer is unchanged.</summary>
public sealed class GrpcOverflowingResultTests(ServiceHost fixture) : IClassFixture<ServiceHost>
{
    private readonly BatchNorm.BatchNormClient _client = fixture.Host.Client;

    [Fact]
    public async Task InferWhoseOutputOverflowsIsInvalidArgumentAndChangesNothing()
    {
        var name = LayerNames.Unique("overflow");
        await _client.CreateLayerAsync(new CreateLayerRequest
        {
            Config = new Bn.V1.LayerConfig
            {
                Name = name, Channels = 2, Scale = true, ParamInitializers = new ParamInitializers { Gamma = Value.ForNumber(3e38) },
            },
        });
        await _client.TrainAsync(new TrainRequest { Name = name, Input = Tensors.Data([2, 2], [1, -1, -1, 1]) });
        var before = (await _client.GetLayerAsync(new GetLayerRequest { Name = name })).Layer;

        // Moving mean about 0 and variance about 1: 100 * 3e38 is beyond float32.
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _client.InferAsync(new InferRequest { Name = name, Input = Tensors.Data([1, 2], [100, 0.5f]) }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("input", error.Trailers.GetValue(GrpcErrorInterceptor.FieldTrailer));
        Assert.Equal(before, (await _client.GetLayerAsync(new GetLayerRequest { Name = name })).Layer);
    }
}
