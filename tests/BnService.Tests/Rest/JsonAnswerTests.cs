using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using BnEngine;
using BnService.Layers;
using BnService.Rest;
using BnService.Rest.Contracts;
using BnService.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace BnService.Tests.Rest;

/// <summary>
/// <see cref="JsonAnswer{TValue}"/> writes the very bytes the host's JSON options give for the value, over as many of
/// its large segments as the text needs, and the routes that answer with it over HTTP read back as they did.
/// </summary>
public sealed class JsonAnswerTests
{
    [Theory]
    [InlineData(6)]
    [InlineData(300_000)]
    public async Task TheBodyIsTheSerializersTextOfTheValue(int count)
    {
        await using var factory = new BnServiceFactory();
        var random = new Random(count);
        var values = Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 8 - 3)).ToArray();
        var tensor = TensorData.FromFloats(TensorShape.Create([count / 2, 2], "output.shape"), values);
        var value = new TrainResponse(tensor, [0.25, -1.5], [2.0, 1e-3], 7, 1);
        var options = factory.Services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        using var body = new MemoryStream();
        var http = new DefaultHttpContext { RequestServices = factory.Services };
        http.Response.Body = body;

        await new JsonAnswer<TrainResponse>(value).ExecuteAsync(http);

        Assert.Equal(200, http.Response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", http.Response.ContentType);
        var expected = JsonSerializer.SerializeToUtf8Bytes(value, options);
        Assert.True(count < 1000 || expected.Length > 2 * LargeSegments.SegmentBytes, $"{expected.Length} bytes");
        Assert.Equal(expected, body.ToArray());
    }

    [Fact]
    public async Task ALargeJsonTrainAnswerReadsBackOverHttp()
    {
        await using var factory = new BnServiceFactory();
        using var client = factory.CreateClient();
        var name = LayerNames.Unique("json-answer");
        await RestCalls.CreateLayerAsync(client, new JsonObject { ["name"] = name, ["channels"] = 64 });
        var random = new Random(5);
        var values = Enumerable.Range(0, 4096 * 64).Select(_ => (float)random.NextDouble()).ToArray();
        var expected = new float[values.Length];
        new BatchNormLayer(LayerConfig.Resolve(new LayerSpec { Name = name, Channels = 64 })).Train(TensorShape.Create([4096, 64], "s"), values, expected);

        using var response = await client.PostAsJsonAsync($"/v1/layers/{name}/train",
            new JsonObject { ["input"] = RestCalls.Tensor([4096, 64], values) });

        response.EnsureSuccessStatusCode();
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(1, (long)answer["step"]!);
        Assert.Equal(expected, answer["output"]!["data"]!.AsArray().Select(v => (float)v!).ToArray());
    }
}
