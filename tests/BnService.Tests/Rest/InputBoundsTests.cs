using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Rest;

/// <summary>1 KiB batches with JSON bodies up to 16 times that: the tensor reader, not the body limit, stops a long data array.</summary>
public sealed class WideJsonService : BnServiceFactory
{
    public const long MaxBatchBytes = 1024;

    public WideJsonService()
        : base(new Dictionary<string, string?>
        {
            ["Limits:MaxBatchBytes"] = MaxBatchBytes.ToString(CultureInfo.InvariantCulture),
            ["Limits:JsonOverheadFactor"] = "16",
        })
    {
    }
}

/// <summary>
/// Input memory stays bounded: a JSON tensor's values are refused with 413 as soon as they pass Limits:MaxBatchBytes,
/// whatever its shape says; the batch limit itself is at most 1 GiB; a request_id is 1 to 256 printable characters.
/// </summary>
public class InputBoundsTests(WideJsonService factory) : IClassFixture<WideJsonService>
{
    private const int MaxValues = (int)WideJsonService.MaxBatchBytes / sizeof(float);

    private readonly HttpClient _client = factory.CreateClient();

    private async Task<string> LayerAsync()
    {
        var name = LayerNames.Unique("bounds");
        await CreateLayerAsync(_client, new JsonObject { ["name"] = name, ["channels"] = 4 });
        return name;
    }

    private async Task<long> StepAsync(string name) => (long)(await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}")))["step"]!;

    [Fact]
    public async Task DataPastTheBatchLimitIs413WhateverTheShapeSays()
    {
        var name = await LayerAsync();
        var body = new JsonObject { ["input"] = Tensor([2, 4], new float[MaxValues + 1]) };
        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(body)), HttpStatusCode.RequestEntityTooLarge, "input");
        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/infer", Json(body)), HttpStatusCode.RequestEntityTooLarge, "input");
        Assert.Equal(0, await StepAsync(name));

        var moments = new JsonObject { ["input"] = Tensor([1], new float[MaxValues + 1]), ["axes"] = new JsonArray(0) };
        await AssertProblemAsync(await _client.PostAsync("/v1/ops/moments", Json(moments)), HttpStatusCode.RequestEntityTooLarge, "input");
        var backward = new JsonObject { ["input"] = Tensor([2, 4], new float[8]), ["grad_output"] = Tensor([2, 4], new float[MaxValues + 1]) };
        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/backward", Json(backward)), HttpStatusCode.RequestEntityTooLarge, "grad_output");
    }

    [Fact]
    public async Task ALongDataArrayWellWithinTheBodyLimitIs413NotA500()
    {
        // 4,000 values of "0," are 8 KB, inside the 16 KiB JSON limit and nearly 16 times the batch limit.
        var name = await LayerAsync();
        var body = new JsonObject { ["input"] = Tensor([1000, 4], new float[4000]) };
        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(body)), HttpStatusCode.RequestEntityTooLarge, "input");
        Assert.Equal(0, await StepAsync(name));
    }

    [Fact]
    public async Task ABatchOfExactlyTheLimitIsAccepted()
    {
        var name = await LayerAsync();
        var values = Enumerable.Range(0, MaxValues).Select(i => (float)(i % 7)).ToArray();
        var trained = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(new JsonObject { ["input"] = Tensor([MaxValues / 4, 4], values) })));
        Assert.Equal(1, (long)trained["step"]!);
        Assert.Equal(MaxValues, Floats(trained["output"]).Length);
    }

    [Theory]
    [InlineData(257)]
    [InlineData(4000)]
    public async Task AnOverLongRequestIdIs400AndChangesNothing(int length)
    {
        var name = await LayerAsync();
        var body = new JsonObject { ["input"] = Tensor([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]), ["request_id"] = new string('r', length) };
        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(body)), HttpStatusCode.BadRequest, "request_id");

        var binary = Binary([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]);
        binary.Headers.Add("Idempotency-Key", new string('r', length));
        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/train", binary), HttpStatusCode.BadRequest, "request_id");
        Assert.Equal(0, await StepAsync(name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("line\nbreak")]
    [InlineData("tab\there")]
    [InlineData("nul\u0000")]
    [InlineData("del\u007f")]
    public async Task AnEmptyOrUnprintableRequestIdIs400(string requestId)
    {
        var name = await LayerAsync();
        var body = new JsonObject { ["input"] = Tensor([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]), ["request_id"] = requestId };
        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(body)), HttpStatusCode.BadRequest, "request_id");
        Assert.Equal(0, await StepAsync(name));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(256)]
    public async Task ARequestIdOfOneTo256CharactersIsKept(int length)
    {
        var name = await LayerAsync();
        var body = new JsonObject { ["input"] = Tensor([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]), ["request_id"] = new string('é', length) };
        var first = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(body)));
        var retry = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(body)));
        Assert.Equal(first.ToJsonString(), retry.ToJsonString());
        Assert.Equal(1, await StepAsync(name));
    }

    [Fact]
    public void ABatchLimitOver1GiBStopsTheStart()
    {
        using var factory = new BnServiceFactory(new Dictionary<string, string?> { ["Limits:MaxBatchBytes"] = (1L << 31).ToString(CultureInfo.InvariantCulture) });
        var error = Assert.ThrowsAny<Exception>(() => factory.Server);
        Assert.Contains("MaxBatchBytes", Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABatchLimitOf1GiBIsAccepted()
    {
        await using var factory = new BnServiceFactory(new Dictionary<string, string?> { ["Limits:MaxBatchBytes"] = (1L << 30).ToString(CultureInfo.InvariantCulture) });
        using var client = factory.CreateClient();
        using var health = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private static string Flatten(Exception error) =>
        error is AggregateException aggregate
            ? string.Join(" | ", aggregate.InnerExceptions.Select(Flatten))
            : error.Message + (error.InnerException is { } inner ? " | " + Flatten(inner) : "");
}
