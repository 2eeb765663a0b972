using Bn.V1;
using BnService.Grpc;
using BnService.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace BnService.Tests.Grpc;

/// <summary>
/// gRPC through real Kestrel sockets (HTTP/2 without TLS on the configured gRPC endpoint), where Kestrel's own
/// limits apply: the message limit is gRPC's, not Kestrel's request body limit.
/// </summary>
public sealed class GrpcSocketTests
{
    private const int MaxBatchBytes = 1 << 20;

    [Fact]
    public async Task MessagesOverKestrelsBodyLimitPassAndTheGrpcLimitHolds()
    {
        var ports = FreePorts.Next(2);
        await using var factory = new BnServiceFactory(new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Rest:Url"] = $"http://127.0.0.1:{ports[0]}",
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{ports[1]}",
            ["Limits:MaxBatchBytes"] = MaxBatchBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        factory.UseKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 65536);
        factory.StartServer();
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{ports[1]}");
        var client = new BatchNorm.BatchNormClient(CallDeadline.On(channel));

        var health = await new Health.HealthClient(CallDeadline.On(channel)).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);

        var name = LayerNames.Unique("socket");
        await client.CreateLayerAsync(new CreateLayerRequest { Config = new Bn.V1.LayerConfig { Name = name, Channels = 4 } });
        var values = Tensors.Sequence(MaxBatchBytes / sizeof(float), -1f, 1e-5f);
        var trained = await client.TrainAsync(new TrainRequest { Name = name, Input = Tensors.Raw([values.Length / 4, 4], values) });
        Assert.Equal(1, trained.Step);
        Assert.Equal(values.Length, Tensors.Values(trained.Output).Length);

        using var stream = client.TrainStream();
        for (var i = 0; i < 3; i++)
        {
            await stream.RequestStream.WriteAsync(new TrainRequest { Name = name, Input = Tensors.Raw([values.Length / 4, 4], values) });
            Assert.True(await stream.ResponseStream.MoveNext());
            Assert.Equal(i + 2, stream.ResponseStream.Current.Step);
        }

        await stream.RequestStream.CompleteAsync();
        Assert.False(await stream.ResponseStream.MoveNext());

        var tooLarge = new Tensor { Shape = { (GrpcEndpoints.MaxMessageBytes(MaxBatchBytes) / 4) + 1 }, RawData = Google.Protobuf.ByteString.CopyFrom(new byte[GrpcEndpoints.MaxMessageBytes(MaxBatchBytes) + 4]) };
        var error = await Assert.ThrowsAsync<RpcException>(() => client.TrainAsync(new TrainRequest { Name = name, Input = tooLarge }).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal(4, (await client.GetLayerAsync(new GetLayerRequest { Name = name })).Layer.Step);
    }
}
