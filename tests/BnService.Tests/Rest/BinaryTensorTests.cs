using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Rest;

/// <summary>The application/octet-stream path of train and infer gives the same numbers as JSON.</summary>
[Collection(SharedServiceCollection.Name)]
public class BinaryTensorTests(SharedService factory)
{
    private readonly HttpClient _client = factory.CreateClient();

    private static readonly int[] Shape = [2, 3, 2, 4];

    private static float[] Batch(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, 48).Select(_ => (float)((random.NextDouble() * 6) - 3))];
    }

    private static JsonObject Config(string name) =>
        new() { ["name"] = name, ["channels"] = 4, ["convention"] = "keras", ["activation"] = "elu" };

    [Fact]
    public async Task BinaryTrainAndInferEqualJson()
    {
        var jsonLayer = LayerNames.Unique("json");
        var binaryLayer = LayerNames.Unique("binary");
        await CreateLayerAsync(_client, Config(jsonLayer));
        await CreateLayerAsync(_client, Config(binaryLayer));

        for (var step = 1; step <= 3; step++)
        {
            var batch = Batch(step);
            var json = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{jsonLayer}/train", Json(new JsonObject { ["input"] = Tensor(Shape, batch) })));

            using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/layers/{binaryLayer}/train") { Content = Binary(Shape, batch) };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/octet-stream"));
            using var binary = await _client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, binary.StatusCode);
            Assert.Equal("application/octet-stream", binary.Content.Headers.ContentType?.MediaType);
            Assert.Equal("2,3,2,4", binary.Headers.GetValues("X-Tensor-Shape").Single());
            Assert.Equal(step.ToString(CultureInfo.InvariantCulture), binary.Headers.GetValues("X-Layer-Step").Single());
            Assert.Equal(Floats(json["output"]), ReadFloats(await binary.Content.ReadAsByteArrayAsync()));
        }

        // JSON in, JSON out, on the layer trained by binary calls: same state, same numbers.
        var probe = Batch(99);
        var fromJson = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{jsonLayer}/infer", Json(new JsonObject { ["input"] = Tensor(Shape, probe) })));
        var fromBinaryState = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{binaryLayer}/infer", Json(new JsonObject { ["input"] = Tensor(Shape, probe) })));
        Assert.Equal(Floats(fromJson["output"]), Floats(fromBinaryState["output"]));

        // Binary in, JSON out (no Accept) and binary in, binary out.
        var binaryIn = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{jsonLayer}/infer", Binary(Shape, probe)));
        Assert.Equal(Floats(fromJson["output"]), Floats(binaryIn["output"]));
        using var both = new HttpRequestMessage(HttpMethod.Post, $"/v1/layers/{jsonLayer}/infer") { Content = Binary(Shape, probe) };
        both.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/octet-stream"));
        using var bothResponse = await _client.SendAsync(both);
        Assert.Equal(Floats(fromJson["output"]), ReadFloats(await bothResponse.Content.ReadAsByteArrayAsync()));

        var jsonState = await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{jsonLayer}"));
        var binaryState = await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{binaryLayer}"));
        Assert.Equal(Doubles(jsonState["moving_mean"]), Doubles(binaryState["moving_mean"]));
        Assert.Equal(Doubles(jsonState["moving_variance"]), Doubles(binaryState["moving_variance"]));
    }

    [Fact]
    public async Task BinaryTrainTakesBatchWeightsAndIdempotencyKeyFromHeaders()
    {
        var weighted = LayerNames.Unique("bin-weights");
        var reference = LayerNames.Unique("json-weights");
        await CreateLayerAsync(_client, Config(weighted));
        await CreateLayerAsync(_client, Config(reference));
        var batch = Batch(5);

        var json = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{reference}/train",
            Json(new JsonObject { ["input"] = Tensor(Shape, batch), ["batch_weights"] = new JsonArray(0.25, 2) })));
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var content = Binary(Shape, batch);
            content.Headers.Add("X-Batch-Weights", "0.25, 2");
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/layers/{weighted}/train") { Content = content };
            request.Headers.Add("Idempotency-Key", "binary-retry");
            var answer = await ReadJsonAsync(await _client.SendAsync(request));
            Assert.Equal(1, (long)answer["step"]!);
            Assert.Equal(Doubles(json["batch_mean"]), Doubles(answer["batch_mean"]));
            Assert.Equal(Floats(json["output"]), Floats(answer["output"]));
        }
    }

    [Theory]
    [InlineData(null, "X-Tensor-Shape")]
    [InlineData("2,3,x,4", "X-Tensor-Shape")]
    [InlineData("2,3,2,0", "X-Tensor-Shape")]
    [InlineData("2,3,2,5", "body")]
    [InlineData("2,3,2", "input.shape")]
    public async Task BadBinaryRequestsAre400(string? shapeHeader, string field)
    {
        var name = LayerNames.Unique("bin-bad");
        await CreateLayerAsync(_client, Config(name));
        var content = new ByteArrayContent(MemoryMarshal.AsBytes(Batch(1).AsSpan()).ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (shapeHeader is not null)
        {
            content.Headers.Add("X-Tensor-Shape", shapeHeader == "2,3,2" ? "2,3,8" : shapeHeader);
        }

        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/train", content), HttpStatusCode.BadRequest,
            shapeHeader == "2,3,2" ? "input.shape" : field);
        var layer = await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}"));
        Assert.Equal(0, (long)layer["step"]!);
    }

    [Fact]
    public async Task NonFiniteBinaryValuesAre400()
    {
        var name = LayerNames.Unique("bin-nan");
        await CreateLayerAsync(_client, Config(name));
        var batch = Batch(2);
        batch[7] = float.NaN;
        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/train", Binary(Shape, batch)), HttpStatusCode.BadRequest, "input");
        batch[7] = float.PositiveInfinity;
        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/infer", Binary(Shape, batch)), HttpStatusCode.BadRequest, "input");
    }

    private static float[] ReadFloats(byte[] bytes) => MemoryMarshal.Cast<byte, float>(bytes).ToArray();
}
