using System.Globalization;
using System.Text.Json.Nodes;
using Bn.V1;
using BnService.Tests.Infrastructure;
using Grpc.Net.Client;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Hostile;

/// <summary>
/// One host for the malformed-request cases: small limits (1,024 float32 values a tensor, 16 KiB JSON bodies, gRPC
/// messages of 2 x 4 KiB + 1 MiB), a captured log, and a trained target layer whose full state every case compares
/// before and after.
/// </summary>
public sealed class HostileService : CapturingServiceFactory, IAsyncLifetime
{
    public const int MaxBatchBytes = 4096;
    public const int Channels = 4;
    public const string Target = "hostile.target";

    private GrpcChannel? _channel;
    private HttpClient? _rest;

    public HostileService()
        : base(new Dictionary<string, string?> { ["Limits:MaxBatchBytes"] = MaxBatchBytes.ToString(CultureInfo.InvariantCulture) })
    {
    }

    public HttpClient Rest => _rest ??= CreateClient();

    public GrpcChannel Channel => _channel ??= GrpcChannel.ForAddress(Server.BaseAddress, new GrpcChannelOptions
    {
        HttpHandler = Server.CreateHandler(),
        MaxReceiveMessageSize = null,
        MaxSendMessageSize = null,
    });

    public BatchNorm.BatchNormClient Grpc => new(CallDeadline.On(Channel));

    /// <summary>An HTTP/2 client on the in-memory server, for gRPC requests written byte by byte.</summary>
    public HttpClient RawHttp2() => new(Server.CreateHandler()) { BaseAddress = Server.BaseAddress };

    /// <summary>The target layer's full representation and the list of every layer, as JSON text.</summary>
    public async Task<string> SnapshotAsync()
    {
        var layer = await ReadJsonAsync(await Rest.GetAsync($"/v1/layers/{Target}"));
        var all = await ReadJsonAsync(await Rest.GetAsync("/v1/layers"));
        return layer.ToJsonString() + "\n" + all.ToJsonString();
    }

    async Task IAsyncLifetime.InitializeAsync()
    {
        await CreateLayerAsync(Rest, new JsonObject
        {
            ["name"] = Target, ["channels"] = Channels, ["convention"] = "keras", ["collections"] = new JsonArray("hostile"),
        });
        var batch = Tensor([3, Channels], [1, 2, 3, 4, 2, 4, 6, 8, 0, 1, 0, -1]);
        await ReadJsonAsync(await Rest.PostAsync($"/v1/layers/{Target}/train", Json(new JsonObject { ["input"] = batch, ["request_id"] = "seed" })));
        await ReadJsonAsync(await Rest.PostAsync($"/v1/layers/{Target}/backward", Json(new JsonObject
        {
            ["input"] = Tensor([3, Channels], [1, 2, 3, 4, 2, 4, 6, 8, 0, 1, 0, -1]),
            ["grad_output"] = Tensor([3, Channels], [1, 0, -1, 0.5f, 0, 1, 1, 0, -1, 2, 0, 1]),
            ["apply"] = new JsonObject { ["learning_rate"] = 0.1 },
        })));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        _rest?.Dispose();
        _channel?.Dispose();
        await base.DisposeAsync();
    }
}
