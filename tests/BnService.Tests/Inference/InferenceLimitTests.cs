using System.Net;
using System.Text.Json.Nodes;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Inference.V2Calls;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Inference;

/// <summary>/v2 bodies are held to Limits: a tensor over MaxBatchBytes and a body over the JSON limit are 413, with <c>error</c>.</summary>
public sealed class InferenceLimitTests : IAsyncLifetime
{
    private readonly BnServiceFactory _factory = new(new Dictionary<string, string?> { ["Limits:MaxBatchBytes"] = "1024", ["Limits:JsonOverheadFactor"] = "4" });
    private HttpClient _client = null!;
    private string _name = null!;

    public async Task InitializeAsync()
    {
        _client = _factory.CreateClient();
        _name = LayerNames.Unique("v2-limits");
        await CreateLayerAsync(_client, new JsonObject { ["name"] = _name, ["channels"] = 4 });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task AShapeOverTheBatchLimitIs413()
    {
        // 257 x 4 float32 = 4112 bytes, over 1024; no data is needed to tell.
        var body = Request([257, 4], [1, 2, 3, 4]);
        await AssertErrorAsync(await _client.PostAsync($"/v2/models/{_name}/infer", Json(body)), HttpStatusCode.RequestEntityTooLarge);

        using var binary = BinaryRequest($"/v2/models/{_name}/infer", BinaryHeader([257, 4], binaryOutput: true), new float[4]);
        await AssertErrorAsync(await _client.SendAsync(binary), HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task DataOverTheBatchLimitIs413WhateverTheShapeSays()
    {
        var body = Request([1, 4], [.. Enumerable.Range(0, 300).Select(i => (float)i)]);
        await AssertErrorAsync(await _client.PostAsync($"/v2/models/{_name}/infer", Json(body)), HttpStatusCode.RequestEntityTooLarge, "inputs[0].data");
    }

    [Fact]
    public async Task ABodyOverTheJsonLimitIs413()
    {
        var body = Request([1, 4], [1, 2, 3, 4]);
        body["id"] = new string('x', 5000);
        await AssertErrorAsync(await _client.PostAsync($"/v2/models/{_name}/infer", Json(body)), HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task AHeaderLengthOverTheJsonLimitIs413()
    {
        using var request = BinaryRequest($"/v2/models/{_name}/infer", BinaryHeader([1, 4], binaryOutput: true), [1, 2, 3, 4]);
        request.Headers.Remove(HeaderLength);
        request.Headers.Add(HeaderLength, "5000");
        await AssertErrorAsync(await _client.SendAsync(request), HttpStatusCode.RequestEntityTooLarge, HeaderLength);
    }
}
