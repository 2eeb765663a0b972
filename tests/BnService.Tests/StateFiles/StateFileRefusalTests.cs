using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using BnService.Tests.Infrastructure;
using BnService.Tests.Rest;
using static BnService.Tests.Infrastructure.RestCalls;
using static BnService.Tests.StateFiles.SafetensorsBytes;

namespace BnService.Tests.StateFiles;

/// <summary>A state file that does not fit the layer is refused with the right status and changes nothing.</summary>
[Collection(SharedServiceCollection.Name)]
public class StateFileRefusalTests(SharedService factory)
{
    private readonly HttpClient _client = factory.CreateClient();

    private const string GoodHeader = """
        {"weight":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"bias":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},
         "running_mean":{"dtype":"F32","shape":[2],"data_offsets":[16,24]},"running_var":{"dtype":"F32","shape":[2],"data_offsets":[24,32]},
         "num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[32,40]}}
        """;

    private static readonly byte[] GoodBuffer = Concat(F32(1, 2), F32(3, 4), F32(5, 6), F32(7, 8), I64(9));

    private static ByteArrayContent Octets(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }

    /// <summary>A trained PyTorch-convention layer of 2 channels (affine, in-place updates).</summary>
    private async Task<string> LayerAsync(JsonObject? extra = null)
    {
        var name = LayerNames.Unique("refuse");
        var config = new JsonObject { ["name"] = name, ["channels"] = 2, ["convention"] = "pytorch" };
        foreach (var (key, value) in extra ?? [])
        {
            config[key] = value?.DeepClone();
        }

        await CreateLayerAsync(_client, config);
        await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(new JsonObject { ["input"] = Tensor([2, 2], [1, 5, 2, 3]) })));
        return name;
    }

    private async Task AssertRefusedAsync(string name, string format, HttpContent body, HttpStatusCode status, string? field = null)
    {
        var before = await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}/state?format=json"));
        var layerBefore = await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}"));
        await AssertProblemAsync(await _client.PutAsync($"/v1/layers/{name}/state?format={format}", body), status, field);
        Assert.Equal(before.ToJsonString(), (await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}/state?format=json"))).ToJsonString());
        Assert.Equal((long)layerBefore["version"]!, (long)(await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}")))["version"]!);
    }

    [Fact]
    public async Task AWeightOtherThanOnesIsRefusedWhereScaleIsOff()
    {
        // Center without scale (TensorFlow's default): the file's weight stands for the fixed gamma of ones.
        var name = await LayerAsync(new JsonObject { ["scale"] = false });
        await AssertRefusedAsync(name, "safetensors", Octets(File(GoodHeader, GoodBuffer)), HttpStatusCode.BadRequest);

        var ones = Concat(F32(1, 1), F32(3, 4), F32(5, 6), F32(7, 8), I64(9));
        var layer = await ReadJsonAsync(await _client.PutAsync($"/v1/layers/{name}/state?format=safetensors", Octets(File(GoodHeader, ones))));
        Assert.Equal([1.0, 1.0], Doubles(layer["gamma"]));
        Assert.Equal([3.0, 4.0], Doubles(layer["beta"]));
    }

    [Fact]
    public async Task TheGoodFileIsTaken()
    {
        var name = await LayerAsync();
        var layer = await ReadJsonAsync(await _client.PutAsync($"/v1/layers/{name}/state?format=safetensors", Octets(File(GoodHeader, GoodBuffer))));
        Assert.Equal([5.0, 6.0], Doubles(layer["moving_mean"]));
    }

    public static TheoryData<string, byte[], string> BadSafetensors()
    {
        var data = new TheoryData<string, byte[], string>
        {
            { "too short", [1, 2, 3], "body" },
            { "header length past the end", Concat(BitConverter.GetBytes(1000UL), "{}"u8.ToArray()), "body" },
            { "header not JSON", File("{\"weight\": ", GoodBuffer), "body" },
            { "header an array", File("[]", []), "body" },
            { "trailing garbage", File(GoodHeader, Concat(GoodBuffer, [0])), "body" },
            { "bytes after the header's JSON", File(GoodHeader + "x", GoodBuffer), "body" },
            { "offsets past the data", File(GoodHeader, GoodBuffer[..^8]), "body" },
            { "wrong channel count", File(GoodHeader.Replace("\"shape\":[2],\"data_offsets\":[0,8]", "\"shape\":[3],\"data_offsets\":[0,8]"), GoodBuffer), "body" },
            { "missing tensor", File(GoodHeader.Replace("\"weight\"", "\"gamma\""), GoodBuffer), "body" },
            { "F64 dtype", File(GoodHeader.Replace("\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]", "\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[16,24]"), GoodBuffer), "body" },
            { "counter of shape [1]", File(GoodHeader.Replace("\"shape\":[]", "\"shape\":[1]"), GoodBuffer), "body" },
            { "unknown dtype", File(GoodHeader.Replace("\"I64\"", "\"Q64\""), GoodBuffer), "body" },
            { "overlap", File(GoodHeader.Replace("[8,16]", "[0,8]"), GoodBuffer), "body" },
            { "NaN", File(GoodHeader, Concat(F32(1, 2), F32(3, 4), F32(float.NaN, 6), F32(7, 8), I64(9))), "running_mean" },
            { "infinity", File(GoodHeader, Concat(F32(float.PositiveInfinity, 2), F32(3, 4), F32(5, 6), F32(7, 8), I64(9))), "weight" },
            { "negative variance", File(GoodHeader, Concat(F32(1, 2), F32(3, 4), F32(5, 6), F32(7, -8), I64(9))), "running_var" },
            { "negative counter", File(GoodHeader, Concat(F32(1, 2), F32(3, 4), F32(5, 6), F32(7, 8), I64(-1))), "num_batches_tracked" },
            {
                "extra tensor",
                File(GoodHeader.TrimEnd()[..^1] + ",\"extra\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[40,44]}}", Concat(GoodBuffer, F32(1))),
                "body"
            },
            { "duplicate name", File(GoodHeader.TrimEnd()[..^1] + ",\"weight\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[40,48]}}", Concat(GoodBuffer, F32(1, 2))), "body" },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(BadSafetensors))]
    public async Task ABadSafetensorsFileIsA400(string why, byte[] file, string field)
    {
        var name = await LayerAsync();
        Assert.False(string.IsNullOrEmpty(why));
        await AssertRefusedAsync(name, "safetensors", Octets(file), HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task WrongContentTypeUnknownLayerAndFormat()
    {
        var name = await LayerAsync();
        await AssertRefusedAsync(name, "safetensors", Json("{}"), HttpStatusCode.UnsupportedMediaType);
        await AssertRefusedAsync(name, "json", Octets(File(GoodHeader, GoodBuffer)), HttpStatusCode.UnsupportedMediaType);
        await AssertRefusedAsync(name, "keras", Octets([1]), HttpStatusCode.UnsupportedMediaType);
        await AssertRefusedAsync(name, "onnx", Octets(File(GoodHeader, GoodBuffer)), HttpStatusCode.BadRequest, "format");
        await AssertProblemAsync(await _client.GetAsync($"/v1/layers/{name}/state?format=onnx"), HttpStatusCode.BadRequest, "format");

        var missing = LayerNames.Unique("missing");
        await AssertProblemAsync(await _client.PutAsync($"/v1/layers/{missing}/state?format=safetensors", Octets(File(GoodHeader, GoodBuffer))), HttpStatusCode.NotFound);
        await AssertProblemAsync(await _client.GetAsync($"/v1/layers/{missing}/state?format=keras"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await _client.GetAsync("/v1/layers/-bad-/state"), HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("""{"weights": [{"name": "beta", "shape": [2], "data": [0, 0]}, {"name": "gamma", "shape": [2], "data": [1, 1]}, {"name": "moving_mean", "shape": [2], "data": [0, 0]}, {"name": "moving_variance", "shape": [2], "data": [1, 1]}]}""", "weights")]
    [InlineData("""{"weights": [{"name": "gamma", "shape": [2], "data": [1, 1]}, {"name": "beta", "shape": [2], "data": [0, 0]}, {"name": "moving_mean", "shape": [2], "data": [0, 0]}]}""", "weights")]
    [InlineData("""{"weights": [{"name": "gamma", "shape": [3], "data": [1, 1, 1]}, {"name": "beta", "shape": [2], "data": [0, 0]}, {"name": "moving_mean", "shape": [2], "data": [0, 0]}, {"name": "moving_variance", "shape": [2], "data": [1, 1]}]}""", "weights[0].shape")]
    [InlineData("""{"weights": [{"name": "gamma", "shape": [2], "data": [1, 1, 1]}, {"name": "beta", "shape": [2], "data": [0, 0]}, {"name": "moving_mean", "shape": [2], "data": [0, 0]}, {"name": "moving_variance", "shape": [2], "data": [1, 1]}]}""", "weights[0].data")]
    [InlineData("""{"weights": [{"name": "gamma", "shape": [2], "data": [1, 1]}, {"name": "beta", "shape": [2], "data": [0, 0]}, {"name": "moving_mean", "shape": [2], "data": [0, 0]}, {"name": "moving_variance", "shape": [2], "data": [1, -1]}]}""", "weights[3].data")]
    [InlineData("""{"weights": [{"name": "gamma", "dtype": "float16", "shape": [2], "data": [1, 1]}, {"name": "beta", "shape": [2], "data": [0, 0]}, {"name": "moving_mean", "shape": [2], "data": [0, 0]}, {"name": "moving_variance", "shape": [2], "data": [1, 1]}]}""", "weights[0].dtype")]
    [InlineData("""{"weights": [{"name": "gamma", "shape": [2], "data": [1e39, 1]}, {"name": "beta", "shape": [2], "data": [0, 0]}, {"name": "moving_mean", "shape": [2], "data": [0, 0]}, {"name": "moving_variance", "shape": [2], "data": [1, 1]}]}""", null)]
    [InlineData("""{"weights": [], "extra": 1}""", "extra")]
    [InlineData("""{"weights": null}""", null)]
    [InlineData("""{"weights": [null, null, null, null]}""", "weights")]
    [InlineData("""{"weights": [{"name": "gamma", "shape": null, "data": [1, 1]}, {"name": "beta", "shape": [2], "data": [0, 0]}, {"name": "moving_mean", "shape": [2], "data": [0, 0]}, {"name": "moving_variance", "shape": [2], "data": [1, 1]}]}""", null)]
    [InlineData("""{"weights": [{"name": "gamma", "shape": [2], "data": null}, {"name": "beta", "shape": [2], "data": [0, 0]}, {"name": "moving_mean", "shape": [2], "data": [0, 0]}, {"name": "moving_variance", "shape": [2], "data": [1, 1]}]}""", null)]
    [InlineData("""[]""", null)]
    public async Task ABadKerasDocumentIsA400(string document, string? field)
    {
        var name = await LayerAsync();
        await AssertRefusedAsync(name, "keras", Json(document), HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task ABadJsonStateIsA400()
    {
        var name = await LayerAsync();
        var good = (await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}/state?format=json"))).AsObject();

        async Task Refused(Action<JsonObject> change, string? field)
        {
            var document = good.DeepClone().AsObject();
            change(document);
            await AssertRefusedAsync(name, "json", Json(document), HttpStatusCode.BadRequest, field);
        }

        await Refused(d => d["config"]!["epsilon"] = 0.01, "config");
        await Refused(d => d["config"]!["channels"] = 3, "config");
        await Refused(d => d["config"]!["convention"] = "caffe", "convention");
        await Refused(d => d["config"]!["reuse"] = "auto", "config.reuse");
        await Refused(d => d["moving_mean"] = new JsonArray(1, 2, 3), "moving_mean");
        await Refused(d => d["moving_variance"] = new JsonArray(1, -2), "moving_variance");
        await Refused(d => d["step"] = -1, "step");
        await Refused(d => d["pending"] = new JsonArray(new JsonObject { ["mean"] = new JsonArray(0, 0), ["variance"] = new JsonArray(1, 1), ["stddev"] = new JsonArray(1, 1) }), "pending");
        await Refused(d => d.Remove("biased_moving_mean"), null);
        await Refused(d => d["version"] = 3, "version");
        await Refused(d => d["pending"] = new JsonArray((JsonNode?)null), "pending");
        await Refused(d => d["config"] = null, null);
        await Refused(d => d["gamma"] = null, null);
        await Refused(d => d["config"] = new JsonArray(), null);

        // Name and collections may differ: a state moves between layers of the same configuration.
        var moved = good.DeepClone().AsObject();
        moved["config"]!["name"] = "another.layer";
        moved["config"]!["collections"] = new JsonArray("elsewhere");
        await ReadJsonAsync(await _client.PutAsync($"/v1/layers/{name}/state?format=json", Json(moved)));
    }

    [Fact]
    public async Task AStateBeyondFloat32HasNoFrameworkForm()
    {
        var name = await LayerAsync();
        var document = (await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}/state?format=json"))).AsObject();
        document["moving_variance"] = new JsonArray(1e300, 1);
        await ReadJsonAsync(await _client.PutAsync($"/v1/layers/{name}/state?format=json", Json(document)));
        await AssertProblemAsync(await _client.GetAsync($"/v1/layers/{name}/state?format=safetensors"), HttpStatusCode.Conflict, "format");
        await AssertProblemAsync(await _client.GetAsync($"/v1/layers/{name}/state?format=keras"), HttpStatusCode.Conflict, "format");
    }
}

/// <summary>A state file is a body like any other: over the limit, 413, and nothing changes.</summary>
public class StateFileLimitTests(LimitedService factory) : IClassFixture<LimitedService>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task AnOversizeFileIsA413()
    {
        var name = LayerNames.Unique("st-limit");
        await CreateLayerAsync(_client, new JsonObject { ["name"] = name, ["channels"] = 2, ["convention"] = "pytorch" });
        var content = new ByteArrayContent(new byte[LimitedService.MaxBatchBytes + 1]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        await AssertProblemAsync(await _client.PutAsync($"/v1/layers/{name}/state?format=safetensors", content), HttpStatusCode.RequestEntityTooLarge);
        var layer = await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}"));
        Assert.Equal(0, (long)layer["version"]!);
    }
}
