using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Rest;

/// <summary>A host with small limits: 1 KiB batches (4 KiB JSON bodies) and a replay budget of 0 (only the newest train answer is held).</summary>
public sealed class LimitedService : BnServiceFactory
{
    public const long MaxBatchBytes = 1024;

    public LimitedService()
        : base(new Dictionary<string, string?>
        {
            ["Limits:MaxBatchBytes"] = MaxBatchBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Limits:ReplayBytesPerLayer"] = "0",
        })
    {
    }
}

/// <summary>Limits:MaxBatchBytes is enforced before a body is buffered: 413 for Content-Length, chunked bodies and binary shapes.</summary>
public class LimitTests(LimitedService factory) : IClassFixture<LimitedService>
{
    private readonly HttpClient _client = factory.CreateClient();

    private async Task<string> LayerAsync()
    {
        var name = LayerNames.Unique("limits");
        await CreateLayerAsync(_client, new JsonObject { ["name"] = name, ["channels"] = 4 });
        return name;
    }

    [Fact]
    public async Task AJsonBodyOverTheLimitIs413()
    {
        var name = await LayerAsync();
        var body = new JsonObject { ["input"] = Tensor([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]), ["request_id"] = new string('x', 5000) };
        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(body)), HttpStatusCode.RequestEntityTooLarge);
    }

    [Theory]
    [InlineData("/v1/layers")]
    [InlineData("/v1/layers/{name}/infer")]
    [InlineData("/v1/layers/{name}/backward")]
    [InlineData("/v1/ops/moments")]
    [InlineData("/v1/ops/batch_normalization")]
    public async Task EveryBodyRouteRefusesABodyOverTheLimitWith413(string route)
    {
        var name = await LayerAsync();
        var body = new JsonObject { ["padding"] = new string(' ', 5000) };
        await AssertProblemAsync(await _client.PostAsync(route.Replace("{name}", name, StringComparison.Ordinal), Json(body)),
            HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task AChunkedBodyOverTheLimitIs413()
    {
        var name = await LayerAsync();
        var text = new JsonObject { ["input"] = Tensor([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]), ["request_id"] = new string('x', 5000) }.ToJsonString();
        var content = new StreamContent(new UnknownLengthStream(Encoding.UTF8.GetBytes(text)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        Assert.Null(content.Headers.ContentLength);
        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/train", content), HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task ATensorOverTheBatchLimitIs413EvenInASmallBody()
    {
        var name = await LayerAsync();
        var body = new JsonObject { ["input"] = Tensor([65, 4], new float[260]) };
        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/infer", Json(body)), HttpStatusCode.RequestEntityTooLarge);
        await AssertProblemAsync(await _client.PostAsync("/v1/ops/moments",
            Json(new JsonObject { ["input"] = Tensor([65, 4], new float[260]), ["axes"] = new JsonArray(0) })), HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task ABinaryShapeOverTheLimitIs413BeforeItsBodyIsRead()
    {
        var name = await LayerAsync();
        var content = new ByteArrayContent([]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add("X-Tensor-Shape", "1000000,4");
        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/train", content), HttpStatusCode.RequestEntityTooLarge);
        var within = Binary([64, 4], new float[256]);
        using var ok = await _client.PostAsync($"/v1/layers/{name}/infer", within);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task AnImmediateRetryGetsTheSameAnswerEvenOverTheReplayBudget()
    {
        var name = await LayerAsync();
        var body = new JsonObject { ["input"] = Tensor([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]), ["request_id"] = "once" };
        var first = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(body)));
        var retry = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(body)));
        Assert.Equal(1, (long)first["step"]!);
        Assert.Equal(first.ToJsonString(), retry.ToJsonString());
        Assert.Equal(1, (long)(await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}")))["step"]!);
    }

    [Fact]
    public async Task ARetryWhoseAnswerWasPushedOutIs409AndNotAppliedAgain()
    {
        var name = await LayerAsync();
        var once = new JsonObject { ["input"] = Tensor([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]), ["request_id"] = "once" };
        var later = new JsonObject { ["input"] = Tensor([2, 4], [8, 7, 6, 5, 4, 3, 2, 1]), ["request_id"] = "later" };
        Assert.Equal(1, (long)(await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(once))))["step"]!);
        Assert.Equal(2, (long)(await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(later))))["step"]!);

        // A budget of 0 holds only the newest answer ("later"): "once" is known but its answer is gone.
        var problem = await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(once)), HttpStatusCode.Conflict, "request_id");
        Assert.Contains("step 1", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Equal(2, (long)(await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}")))["step"]!);
        Assert.Equal(2, (long)(await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(later))))["step"]!);
    }

    /// <summary>A body stream that does not tell its length, so the request is sent chunked.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
