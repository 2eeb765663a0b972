using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Infrastructure.RestCalls;
using static BnService.Tests.StateFiles.SafetensorsBytes;

namespace BnService.Tests.StateFiles;

/// <summary>GET and PUT /v1/layers/{name}/state in the three formats: round trips and files built by hand.</summary>
[Collection(SharedServiceCollection.Name)]
public class StateFileRoundTripTests(SharedService factory)
{
    private readonly HttpClient _client = factory.CreateClient();

    private static ByteArrayContent Octets(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }

    private async Task TrainAsync(string name, int batches, int channels = 3)
    {
        for (var b = 0; b < batches; b++)
        {
            var data = Enumerable.Range(0, 4 * channels).Select(i => (float)Math.Sin(i * 0.7 + b) * (1 + b)).ToArray();
            await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(new JsonObject { ["input"] = Tensor([4, channels], data) })));
        }
    }

    private async Task<string> GetTextAsync(string url) => (await ReadJsonAsync(await _client.GetAsync(url))).ToJsonString();

    private async Task<byte[]> GetBytesAsync(string url)
    {
        using var response = await _client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsByteArrayAsync();
    }

    [Theory]
    [InlineData("""{"renorm": true, "updates": "deferred", "scale": true}""")]
    [InlineData("""{"zero_debias_moving_mean": true, "decay": 0.8}""")]
    [InlineData("""{"convention": "pytorch", "decay": null}""")]
    [InlineData("""{"convention": "keras", "renorm": true, "renorm_clipping": {"rmax": 2, "rmin": 0.5, "dmax": 1}, "use_num_updates": true}""")]
    public async Task JsonRestoresTheLayerExactly(string options)
    {
        var config = JsonNode.Parse(options)!.AsObject();
        var source = LayerNames.Unique("json-source");
        var target = LayerNames.Unique("json-target");
        config["channels"] = 3;
        config["name"] = source;
        await CreateLayerAsync(_client, config.DeepClone().AsObject());
        config["name"] = target;
        await CreateLayerAsync(_client, config.DeepClone().AsObject());
        await TrainAsync(source, 3);

        var saved = await GetTextAsync($"/v1/layers/{source}/state?format=json");
        var document = JsonNode.Parse(saved)!;
        Assert.Equal(3, (long)document["step"]!);
        Assert.NotNull(document["moving_stddev"]);
        Assert.NotNull(document["biased_moving_mean"]);
        Assert.Null(document["version"]);

        // Onto the same layer after a reset: the very same document comes back.
        await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{source}/reset", null));
        var before = await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{source}"));
        var put = await ReadJsonAsync(await _client.PutAsync($"/v1/layers/{source}/state?format=json", Json(saved)));
        Assert.Equal((long)before["version"]! + 1, (long)put["version"]!);
        Assert.Equal(saved, await GetTextAsync($"/v1/layers/{source}/state?format=json"));

        // Onto another layer of the same config: the same state, and both train on identically from it.
        await ReadJsonAsync(await _client.PutAsync($"/v1/layers/{target}/state?format=json", Json(saved)));
        var copied = JsonNode.Parse(await GetTextAsync($"/v1/layers/{target}/state?format=json"))!;
        copied["config"]!["name"] = source;
        Assert.Equal(saved, copied.ToJsonString());
        await TrainAsync(source, 2);
        await TrainAsync(target, 2);
        var a = JsonNode.Parse(await GetTextAsync($"/v1/layers/{source}/state?format=json"))!;
        var b = JsonNode.Parse(await GetTextAsync($"/v1/layers/{target}/state?format=json"))!;
        a["config"]!.AsObject().Remove("name");
        b["config"]!.AsObject().Remove("name");
        Assert.Equal(a.ToJsonString(), b.ToJsonString());
    }

    [Fact]
    public async Task SafetensorsBuiltByHandIsReadBackExactly()
    {
        var name = LayerNames.Unique("st-hand");
        await CreateLayerAsync(_client, new JsonObject { ["name"] = name, ["channels"] = 3, ["convention"] = "pytorch" });
        float[] weight = [1.5f, -0.25f, 3.0e-3f], bias = [0.1f, -2f, 7.75f], mean = [0.3f, -1.2f, 100.5f], variance = [2.5f, 0.01f, 1e-7f];

        // Tensors laid out in the buffer in an order other than the header's, with metadata and header padding.
        var buffer = Concat(I64(42), F32(variance), F32(mean), F32(bias), F32(weight));
        var header = """
            {"__metadata__":{"format":"pt"},
             "weight":{"dtype":"F32","shape":[3],"data_offsets":[44,56]},
             "bias":{"dtype":"F32","shape":[3],"data_offsets":[32,44]},
             "running_mean":{"dtype":"F32","shape":[3],"data_offsets":[20,32]},
             "running_var":{"dtype":"F32","shape":[3],"data_offsets":[8,20]},
             "num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[0,8]}}
            """;
        var layer = await ReadJsonAsync(await _client.PutAsync($"/v1/layers/{name}/state?format=safetensors", Octets(File(header, buffer, padding: 5))));
        Assert.Equal(weight.Select(v => (double)v), Doubles(layer["gamma"]));
        Assert.Equal(bias.Select(v => (double)v), Doubles(layer["beta"]));
        Assert.Equal(mean.Select(v => (double)v), Doubles(layer["moving_mean"]));
        Assert.Equal(variance.Select(v => (double)v), Doubles(layer["moving_variance"]));
        Assert.Equal(42, (long)layer["step"]!);

        var (tensors, metadata) = Parse(await GetBytesAsync($"/v1/layers/{name}/state?format=safetensors"));
        Assert.Equal(["bias", "num_batches_tracked", "running_mean", "running_var", "weight"], tensors.Keys.Order());
        Assert.Equal("pt", metadata["format"]);
        Assert.All(["weight", "bias", "running_mean", "running_var"], n => Assert.Equal("F32 [3]", $"{tensors[n].Dtype} [{string.Join(",", tensors[n].Shape)}]"));
        Assert.Equal(weight, tensors["weight"].Floats());
        Assert.Equal(bias, tensors["bias"].Floats());
        Assert.Equal(mean, tensors["running_mean"].Floats());
        Assert.Equal(variance, tensors["running_var"].Floats());
        Assert.Equal("I64", tensors["num_batches_tracked"].Dtype);
        Assert.Empty(tensors["num_batches_tracked"].Shape);
        Assert.Equal(42, tensors["num_batches_tracked"].Int64());

        // Inference uses the imported statistics: y = (x - mean) / sqrt(var + eps) * weight + bias.
        float[] x = [1, 2, 3];
        var output = Floats((await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/infer", Json(new JsonObject { ["input"] = Tensor([1, 3], x) }))))["output"]);
        for (var c = 0; c < 3; c++)
        {
            var expected = (x[c] - (double)mean[c]) / Math.Sqrt(variance[c] + 1e-5) * weight[c] + bias[c];
            Assert.Equal(expected, output[c], Math.Abs(expected) * 1e-5 + 1e-6);
        }
    }

    [Fact]
    public async Task NumBatchesTrackedDrivesTheCumulativeAverage()
    {
        // PyTorch momentum=None: the k-th update averages with weight 1/k, k counted by num_batches_tracked.
        var name = LayerNames.Unique("st-cumulative");
        await CreateLayerAsync(_client, new JsonObject { ["name"] = name, ["channels"] = 2, ["convention"] = "pytorch", ["decay"] = null });
        var header = """
            {"weight":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"bias":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},
             "running_mean":{"dtype":"F32","shape":[2],"data_offsets":[16,24]},"running_var":{"dtype":"F32","shape":[2],"data_offsets":[24,32]},
             "num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[32,40]}}
            """;
        var file = File(header, Concat(F32(1, 1), F32(0, 0), F32(10, -4), F32(1, 1), I64(4)));
        await ReadJsonAsync(await _client.PutAsync($"/v1/layers/{name}/state?format=safetensors", Octets(file)));

        var train = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train",
            Json(new JsonObject { ["input"] = Tensor([2, 2], [0, 1, 2, 3]) })));
        Assert.Equal(5, (long)train["step"]!);
        var layer = await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}"));
        var movingMean = Doubles(layer["moving_mean"]);
        Assert.Equal(10 + (1 - 10) / 5.0, movingMean[0], 1e-12);
        Assert.Equal(-4 + (2 - -4) / 5.0, movingMean[1], 1e-12);
    }

    [Fact]
    public async Task SafetensorsRoundTripsAndLeavesOutWhatAffineFalseHasNot()
    {
        var name = LayerNames.Unique("st-trip");
        await CreateLayerAsync(_client, new JsonObject { ["name"] = name, ["channels"] = 3, ["convention"] = "pytorch" });
        await TrainAsync(name, 3);
        var saved = await GetBytesAsync($"/v1/layers/{name}/state?format=safetensors");
        Assert.Equal(3, Parse(saved).Tensors["num_batches_tracked"].Int64());
        await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/reset", null));
        await ReadJsonAsync(await _client.PutAsync($"/v1/layers/{name}/state?format=safetensors", Octets(saved)));
        Assert.Equal(saved, await GetBytesAsync($"/v1/layers/{name}/state?format=safetensors"));

        var plain = LayerNames.Unique("st-noaffine");
        await CreateLayerAsync(_client, new JsonObject { ["name"] = plain, ["channels"] = 3, ["convention"] = "pytorch", ["center"] = false, ["scale"] = false });
        var (tensors, _) = Parse(await GetBytesAsync($"/v1/layers/{plain}/state?format=safetensors"));
        Assert.Equal(["num_batches_tracked", "running_mean", "running_var"], tensors.Keys.Order());

        // TensorFlow's default (center, no scale): weight comes as ones, so a default torch BatchNorm takes the file.
        var tf = LayerNames.Unique("st-tf");
        await CreateLayerAsync(_client, new JsonObject { ["name"] = tf, ["channels"] = 3 });
        await TrainAsync(tf, 2);
        var tfFile = await GetBytesAsync($"/v1/layers/{tf}/state?format=safetensors");
        var (tfTensors, _) = Parse(tfFile);
        Assert.Equal(["bias", "num_batches_tracked", "running_mean", "running_var", "weight"], tfTensors.Keys.Order());
        Assert.Equal([1f, 1f, 1f], tfTensors["weight"].Floats());
        await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{tf}/reset", null));
        await ReadJsonAsync(await _client.PutAsync($"/v1/layers/{tf}/state?format=safetensors", Octets(tfFile)));
        Assert.Equal(tfFile, await GetBytesAsync($"/v1/layers/{tf}/state?format=safetensors"));
    }

    [Fact]
    public async Task KerasGivesGetWeightsOrderAndRoundTrips()
    {
        var name = LayerNames.Unique("keras");
        await CreateLayerAsync(_client, new JsonObject { ["name"] = name, ["channels"] = 2, ["convention"] = "keras" });
        await TrainAsync(name, 2, channels: 2);
        var saved = await GetTextAsync($"/v1/layers/{name}/state?format=keras");
        var weights = JsonNode.Parse(saved)!["weights"]!.AsArray();
        Assert.Equal(["gamma", "beta", "moving_mean", "moving_variance"], weights.Select(w => (string)w!["name"]!));
        Assert.All(weights, w => Assert.Equal("float32", (string)w!["dtype"]!));
        var layer = await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}"));
        Assert.Equal(Doubles(layer["moving_mean"]).Select(v => (float)v), Floats(weights[2]));

        await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/reset", null));
        await ReadJsonAsync(await _client.PutAsync($"/v1/layers/{name}/state?format=keras", Json(saved)));
        Assert.Equal(saved, await GetTextAsync($"/v1/layers/{name}/state?format=keras"));

        // TensorFlow's default has no scale: Keras omits gamma. Renorm adds tf.keras 2's three variables.
        var tf = LayerNames.Unique("keras-tf");
        await CreateLayerAsync(_client, new JsonObject { ["name"] = tf, ["channels"] = 2, ["renorm"] = true });
        var tfWeights = JsonNode.Parse(await GetTextAsync($"/v1/layers/{tf}/state?format=keras"))!["weights"]!.AsArray();
        Assert.Equal(["beta", "moving_mean", "moving_variance", "moving_stddev", "renorm_mean", "renorm_stddev"], tfWeights.Select(w => (string)w!["name"]!));
    }
}
