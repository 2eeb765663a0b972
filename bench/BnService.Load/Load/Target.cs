using Bn.V1;
using Grpc.Net.Client;

namespace BnService.Load.Load;

/// <summary>A server as the client sees it: one HTTP/1.1 client and one gRPC channel, configured alike for BnService and the echo.</summary>
public sealed class Target : IDisposable
{
    public Target(ServerProcess server, int maxConcurrency, bool isEcho)
    {
        Server = server;
        IsEcho = isEcho;
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = maxConcurrency, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = server.RestAddress,
            Timeout = TimeSpan.FromMinutes(5),
        };
        Channel = GrpcChannel.ForAddress(server.GrpcAddress, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                InitialHttp2StreamWindowSize = 8 * 1024 * 1024,
                PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            },
            MaxReceiveMessageSize = null,
            MaxSendMessageSize = null,
        });
        if (isEcho)
        {
            var echo = new Echo.Proto.Echo.EchoClient(Channel);
            Grpc = new GrpcTarget(echo.TrainAsync, echo.TrainStream, echo.InferStream);
        }
        else
        {
            var service = new BatchNorm.BatchNormClient(Channel);
            Grpc = new GrpcTarget(service.TrainAsync, service.TrainStream, service.InferStream);
        }
    }

    public ServerProcess Server { get; }
    public bool IsEcho { get; }
    public HttpClient Http { get; }
    public GrpcChannel Channel { get; }
    public GrpcTarget Grpc { get; }

    /// <summary>The layer a client of index <paramref name="worker"/> trains (one per client, so their calls do not queue on one grain).</summary>
    public static string LayerName(int worker) => $"load-{worker}";

    /// <summary>Creates (or reuses) the layers of <paramref name="count"/> clients on BnService: NHWC, 64 channels.</summary>
    public async Task CreateLayersAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var body = $$"""{"name": "{{LayerName(i)}}", "channels": {{Batch.Channels}}, "reuse": "auto"}""";
            using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            using var response = await Http.PostAsync("/v1/layers", content);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"creating layer {LayerName(i)} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        }
    }

    public void Dispose()
    {
        Http.Dispose();
        Channel.Dispose();
    }
}
