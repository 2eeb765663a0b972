using Bn.V1;
using BnService.Layers;
using BnService.Tests.Infrastructure;
using Grpc.Net.Client;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace BnService.Tests.Grpc;

/// <summary>
/// On real sockets, a client that stops reading a stream's responses stops the server: it answers a request,
/// cannot write the answer, and so reads no further request. What is buffered stays within the HTTP/2 windows.
/// </summary>
public sealed class GrpcBackPressureTests
{
    private const int Requests = 48;
    private const int ValuesPerRequest = 1 << 18; // 1 MiB of float32

    [Fact]
    public async Task AClientThatDoesNotReadStopsTheServerReading()
    {
        var layers = new FakeLayerOperations();
        var ports = FreePorts.Next(2);
        await using var factory = new BnServiceFactory(new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Rest:Url"] = $"http://127.0.0.1:{ports[0]}",
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{ports[1]}",
        }).WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<ILayerOperations>(layers)));
        factory.UseKestrel();
        factory.StartServer();
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{ports[1]}");
        using var call = new BatchNorm.BatchNormClient(CallDeadline.On(channel)).InferStream();

        var values = Tensors.Sequence(ValuesPerRequest);
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < Requests; i++)
            {
                await call.RequestStream.WriteAsync(new InferRequest { Name = $"slow-reader-{i}", Input = Tensors.Raw([ValuesPerRequest, 1], values) });
            }

            await call.RequestStream.CompleteAsync();
        });

        // Nobody reads: the server soon stops taking requests, and the writer stalls on flow control.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var answeredWhileStalled = layers.Calls.Count;
        Assert.InRange(answeredWhileStalled, 1, Requests / 4);
        Assert.False(writer.IsCompleted);

        // Reading again drains everything, in order.
        var received = 0;
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            Assert.Equal(ValuesPerRequest, call.ResponseStream.Current.Output.RawData.Length / sizeof(float));
            received++;
        }

        await writer;
        Assert.Equal(Requests, received);
        Assert.Equal(Enumerable.Range(0, Requests).Select(i => $"slow-reader-{i}"), layers.Calls);
    }
}
