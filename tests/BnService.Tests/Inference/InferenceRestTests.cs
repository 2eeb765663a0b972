using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Inference.V2Calls;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Inference;

/// <summary>The Open Inference Protocol's REST routes against /v1 on the same layers: same numbers exactly, same rules.</summary>
[Collection(SharedServiceCollection.Name)]
public class InferenceRestTests(SharedService factory)
{
    private static readonly int[] Shape = [2, 3, 2, 4];

    private readonly HttpClient _client = factory.CreateClient();

    private static JsonObject Config(string name, string format = "NHWC", string updates = "in_place") =>
        new() { ["name"] = name, ["channels"] = 4, ["data_format"] = format, ["convention"] = "keras", ["activation"] = "elu", ["updates"] = updates };

    /// <summary>A layer with two /v1 train steps behind it, so its moving statistics are not the initializers.</summary>
    private async Task<string> TrainedLayerAsync(string prefix)
    {
        var name = LayerNames.Unique(prefix);
        await CreateLayerAsync(_client, Config(name));
        for (var step = 1; step <= 2; step++)
        {
            await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train",
                Json(new JsonObject { ["input"] = Tensor(Shape, Batch(step, 48)) })));
        }

        return name;
    }

    private async Task<float[]> V1InferAsync(string name, float[] data) =>
        RestCalls.Floats((await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/infer", Json(new JsonObject { ["input"] = Tensor(Shape, data) }))))["output"]);

    [Fact]
    public async Task ServerMetadataAdvertisesBinaryTensorData()
    {
        var metadata = await ReadJsonAsync(await _client.GetAsync("/v2"));
        Assert.Equal("bnservice", (string?)metadata["name"]);
        Assert.False(string.IsNullOrEmpty((string?)metadata["version"]));
        Assert.Contains("binary_tensor_data", metadata["extensions"]!.AsArray().Select(e => (string?)e));
    }

    [Fact]
    public async Task HealthIsLiveAndReady()
    {
        Assert.True((bool)(await ReadJsonAsync(await _client.GetAsync("/v2/health/live")))["live"]!);
        Assert.True((bool)(await ReadJsonAsync(await _client.GetAsync("/v2/health/ready")))["ready"]!);
    }

    [Theory]
    [InlineData("NHWC", new long[] { -1, -1, -1, 4 })]
    [InlineData("NCHW", new long[] { -1, 4, -1, -1 })]
    public async Task ModelMetadataDescribesTheLayer(string format, long[] shape)
    {
        var name = LayerNames.Unique("v2-meta");
        await CreateLayerAsync(_client, Config(name, format));
        foreach (var path in new[] { $"/v2/models/{name}", $"/v2/models/{name}/versions/1" })
        {
            var metadata = await ReadJsonAsync(await _client.GetAsync(path));
            Assert.Equal(name, (string?)metadata["name"]);
            Assert.Equal(["1"], metadata["versions"]!.AsArray().Select(v => (string?)v));
            Assert.False(string.IsNullOrEmpty((string?)metadata["platform"]));
            foreach (var (list, tensor) in new[] { ("inputs", "input"), ("outputs", "output") })
            {
                var single = Assert.Single(metadata[list]!.AsArray())!;
                Assert.Equal(tensor, (string?)single["name"]);
                Assert.Equal("FP32", (string?)single["datatype"]);
                Assert.Equal(shape, single["shape"]!.AsArray().Select(d => (long)d!));
            }
        }
    }

    [Fact]
    public async Task ModelReadyAnswersForKnownLayersAnd404ForOthers()
    {
        var name = LayerNames.Unique("v2-ready");
        await CreateLayerAsync(_client, Config(name));
        var ready = await ReadJsonAsync(await _client.GetAsync($"/v2/models/{name}/ready"));
        Assert.Equal(name, (string?)ready["name"]);
        Assert.True((bool)ready["ready"]!);
        Assert.True((bool)(await ReadJsonAsync(await _client.GetAsync($"/v2/models/{name}/versions/1/ready")))["ready"]!);

        await AssertErrorAsync(await _client.GetAsync($"/v2/models/{name}/versions/2/ready"), HttpStatusCode.NotFound);
        await AssertErrorAsync(await _client.GetAsync($"/v2/models/{LayerNames.Unique("missing")}/ready"), HttpStatusCode.NotFound);
        await AssertErrorAsync(await _client.GetAsync($"/v2/models/{LayerNames.Unique("missing")}"), HttpStatusCode.NotFound);
        await AssertErrorAsync(await _client.GetAsync("/v2/models/bad%20name"), HttpStatusCode.BadRequest, "name");
    }

    [Fact]
    public async Task InferEqualsV1InferExactly()
    {
        var name = await TrainedLayerAsync("v2-infer");
        var probe = Batch(99, 48);
        var expected = await V1InferAsync(name, probe);

        var answer = await ReadJsonAsync(await _client.PostAsync($"/v2/models/{name}/infer", Json(Request(Shape, probe, id: "42"))));
        Assert.Equal("42", (string?)answer["id"]);
        Assert.Equal(name, (string?)answer["model_name"]);
        var output = Output(answer);
        Assert.Equal(Shape, V2Calls.Shape(output["shape"]));
        Assert.Equal(expected, V2Calls.Floats(output["data"]));

        // Nested row-major data, no outputs list, the versioned route: the same numbers.
        var nested = Request(Shape, probe);
        nested.Remove("outputs");
        nested["inputs"]![0]!["data"] = Nest(probe, Shape);
        var fromNested = await ReadJsonAsync(await _client.PostAsync($"/v2/models/{name}/versions/1/infer", Json(nested)));
        Assert.Null(fromNested["id"]);
        Assert.Equal(expected, V2Calls.Floats(Output(fromNested)["data"]));

        // Inference changed nothing.
        Assert.Equal(2, (int)(await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}")))["step"]!);
    }

    [Fact]
    public async Task AJsonAnswerWrittenInSeveralFlushesHoldsEveryValue()
    {
        // 150,000 values: the answer's text is flushed every 65,536 values, so it goes out in three parts.
        int[] shape = [25, 50, 30, 4];
        var name = await TrainedLayerAsync("v2-infer-long");
        var probe = Batch(7, 150_000);
        var expected = RestCalls.Floats((await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/infer",
            Json(new JsonObject { ["input"] = Tensor(shape, probe) }))))["output"]);

        var answer = await ReadJsonAsync(await _client.PostAsync($"/v2/models/{name}/infer", Json(Request(shape, probe))));
        Assert.Equal(expected, V2Calls.Floats(Output(answer)["data"]));
    }

    [Fact]
    public async Task TrainingEqualsV1TrainExactly()
    {
        var v1 = LayerNames.Unique("v2-train-v1");
        var v2 = LayerNames.Unique("v2-train-v2");
        await CreateLayerAsync(_client, Config(v1, updates: "deferred"));
        await CreateLayerAsync(_client, Config(v2, updates: "deferred"));
        for (var step = 1; step <= 3; step++)
        {
            var batch = Batch(10 + step, 48);
            var expected = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{v1}/train", Json(new JsonObject { ["input"] = Tensor(Shape, batch) })));
            var answer = await ReadJsonAsync(await _client.PostAsync($"/v2/models/{v2}/infer",
                Json(Request(Shape, batch, id: $"step-{step}", parameters: Training()))));
            Assert.Equal($"step-{step}", (string?)answer["id"]);
            Assert.Equal(RestCalls.Floats(expected["output"]), V2Calls.Floats(Output(answer)["data"]));
            Assert.Equal(step, (long)answer["parameters"]!["step"]!);
            Assert.Equal((long)expected["pending_updates"]!, (long)answer["parameters"]!["pending_updates"]!);
        }

        await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{v1}/commit", null));
        await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{v2}/commit", null));
        var a = await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{v1}"));
        var b = await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{v2}"));
        foreach (var field in new[] { "step", "moving_mean", "moving_variance", "gamma", "beta" })
        {
            Assert.Equal(a[field]!.ToJsonString(), b[field]!.ToJsonString());
        }
    }

    [Fact]
    public async Task TrainingWithARequestIdIsCountedOnce()
    {
        var name = LayerNames.Unique("v2-retry");
        await CreateLayerAsync(_client, Config(name));
        var body = Request(Shape, Batch(5, 48), parameters: Training("batch-0001"));
        var first = await ReadJsonAsync(await _client.PostAsync($"/v2/models/{name}/infer", Json(body)));
        var retry = await ReadJsonAsync(await _client.PostAsync($"/v2/models/{name}/infer", Json(body)));
        Assert.Equal(first.ToJsonString(), retry.ToJsonString());
        Assert.Equal(1, (int)(await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}")))["step"]!);
    }

    public static TheoryData<string, string?> BadRequests() => new()
    {
        { """{"inputs": [{"name": "input", "shape": [2, 4], "datatype": "INT32", "data": [1, 2, 3, 4, 5, 6, 7, 8]}]}""", "inputs[0].datatype" },
        { """{"inputs": [{"name": "x", "shape": [2, 4], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6, 7, 8]}]}""", "inputs[0].name" },
        { """{"inputs": [{"name": "input", "shape": [2, 4], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6, 7]}]}""", "inputs[0].data" },
        { """{"inputs": [{"name": "input", "shape": [2, 4], "datatype": "FP32", "data": [1, 2, 3, 4, "5", 6, 7, 8]}]}""", "inputs[0].data" },
        { """{"inputs": [{"name": "input", "datatype": "FP32", "data": [1, 2, 3, 4]}]}""", "inputs[0].shape" },
        { """{"inputs": [{"name": "input", "shape": [4], "datatype": "FP32", "data": [1, 2, 3, 4]}]}""", "inputs[0].shape" },
        { """{"inputs": [{"name": "input", "shape": [2, 4], "datatype": "FP32"}]}""", "inputs[0].data" },
        { """{"inputs": []}""", "inputs" },
        {
            """{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}, {"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}]}""",
            "inputs"
        },
        { """{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}], "outputs": [{"name": "y"}]}""", "outputs[0].name" },
        { """{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}], "extra": 1}""", "extra" },
        { """{"parameters": {"trainig": true}, "inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}]}""", "parameters.trainig" },
        { """{"parameters": {"training": "yes"}, "inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}]}""", "parameters.training" },
        { """{"parameters": {"request_id": "r1"}, "inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}]}""", "parameters.request_id" },
        { """{"parameters": {"training": true}, "inputs": [{"name": "input", "shape": [2, 4], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6, 7]}]}""", "inputs[0].data" },
        { """{"parameters": {"training": true}, "inputs": [{"name": "input", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]}]}""", null },
        { """{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}""", null },
        { """[1, 2]""", null },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadInputIs400WithItsFieldAndChangesNothing(string body, string? field)
    {
        var name = LayerNames.Unique("v2-bad");
        await CreateLayerAsync(_client, Config(name));
        await AssertErrorAsync(await _client.PostAsync($"/v2/models/{name}/infer", Json(body)), HttpStatusCode.BadRequest, field);
        Assert.Equal(0, (int)(await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}")))["step"]!);
    }

    [Fact]
    public async Task UnknownModelsAndRoutesAre404WithError()
    {
        await AssertErrorAsync(await _client.PostAsync($"/v2/models/{LayerNames.Unique("missing")}/infer", Json(Request([1, 4], [1, 2, 3, 4]))),
            HttpStatusCode.NotFound);
        var name = LayerNames.Unique("v2-version");
        await CreateLayerAsync(_client, Config(name));
        await AssertErrorAsync(await _client.PostAsync($"/v2/models/{name}/versions/2/infer", Json(Request([1, 4], [1, 2, 3, 4]))),
            HttpStatusCode.NotFound);
        await AssertErrorAsync(await _client.GetAsync("/v2/repository/index"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ABodyWithoutContentTypeIsReadAsJson()
    {
        // Triton's HTTP client sends JSON requests without a Content-Type.
        var name = await TrainedLayerAsync("v2-no-type");
        var probe = Batch(7, 48);
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Request(Shape, probe).ToJsonString()));
        var answer = await ReadJsonAsync(await _client.PostAsync($"/v2/models/{name}/infer", content));
        Assert.Equal(await V1InferAsync(name, probe), V2Calls.Floats(Output(answer)["data"]));
    }

    [Fact]
    public async Task CompressedBodiesAre415()
    {
        var name = LayerNames.Unique("v2-gzip");
        await CreateLayerAsync(_client, Config(name));
        var content = Json(Request([1, 4], [1, 2, 3, 4]));
        content.Headers.ContentEncoding.Add("gzip");
        await AssertErrorAsync(await _client.PostAsync($"/v2/models/{name}/infer", content), HttpStatusCode.UnsupportedMediaType);
    }

    private static JsonArray Nest(float[] values, int[] shape)
    {
        if (shape.Length == 1)
        {
            return new JsonArray([.. values.Select(v => (JsonNode)v)]);
        }

        var size = values.Length / shape[0];
        return new JsonArray([.. Enumerable.Range(0, shape[0]).Select(i => (JsonNode)Nest(values[(i * size)..((i + 1) * size)], shape[1..]))]);
    }
}
