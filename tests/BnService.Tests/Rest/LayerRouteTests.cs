using System.Net;
using System.Text.Json.Nodes;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Rest;

/// <summary>Every /v1/layers route: its success and the error statuses api.md names.</summary>
[Collection(SharedServiceCollection.Name)]
public class LayerRouteTests(SharedService factory)
{
    private readonly HttpClient _client = factory.CreateClient();

    private static JsonObject Config(string name, int channels = 3) => new() { ["name"] = name, ["channels"] = channels };

    private static JsonObject Batch(int rows = 4, int channels = 3, float offset = 0) =>
        Tensor([rows, channels], [.. Enumerable.Range(0, rows * channels).Select(i => offset + (i * 0.37f % 2.1f))]);

    [Fact]
    public async Task CreateAnswers201WithLocationAndTheResolvedConfig()
    {
        var name = LayerNames.Unique("create");
        using var response = await _client.PostAsync("/v1/layers", Json(Config(name)));
        var layer = await ReadJsonAsync(response, HttpStatusCode.Created);
        Assert.Equal($"/v1/layers/{name}", response.Headers.Location?.OriginalString);
        Assert.Equal(name, (string?)layer["name"]);
        Assert.Equal("NHWC", (string?)layer["data_format"]);
        Assert.Equal("tensorflow", (string?)layer["convention"]);
        Assert.Equal(0.999, (double)layer["decay"]!);
        Assert.False((bool)layer["scale"]!);
        Assert.Equal(0.001, (double)layer["epsilon"]!);
        Assert.Equal(0, (long)layer["step"]!);
        Assert.Equal(0, (int)layer["pending_updates"]!);
        Assert.Equal([0.0, 0.0, 0.0], Doubles(layer["moving_mean"]));
        Assert.Equal([1.0, 1.0, 1.0], Doubles(layer["moving_variance"]));
        foreach (var field in new[] { "gamma", "beta", "renorm_mean", "renorm_stddev", "version", "collections", "param_initializers" })
        {
            Assert.NotNull(layer[field]);
        }
    }

    [Fact]
    public async Task CreateReuseModes()
    {
        var name = LayerNames.Unique("reuse");
        using (var notThere = await _client.PostAsync("/v1/layers", Json(new JsonObject { ["name"] = name, ["channels"] = 3, ["reuse"] = "reuse" })))
        {
            await AssertProblemAsync(notThere, HttpStatusCode.NotFound);
        }

        using (var auto = await _client.PostAsync("/v1/layers", Json(new JsonObject { ["name"] = name, ["channels"] = 3, ["reuse"] = "auto" })))
        {
            await ReadJsonAsync(auto, HttpStatusCode.Created);
        }

        using (var again = await _client.PostAsync("/v1/layers", Json(Config(name))))
        {
            await AssertProblemAsync(again, HttpStatusCode.Conflict);
        }

        using (var reused = await _client.PostAsync("/v1/layers", Json(new JsonObject { ["name"] = name, ["channels"] = 3, ["reuse"] = "reuse" })))
        {
            Assert.Equal(name, (string?)(await ReadJsonAsync(reused))["name"]);
        }

        // Same config spelled out with its defaults is the same config.
        using (var explicitDefaults = await _client.PostAsync("/v1/layers",
                   Json(new JsonObject { ["name"] = name, ["channels"] = 3, ["decay"] = 0.999, ["epsilon"] = 0.001, ["reuse"] = "auto" })))
        {
            await ReadJsonAsync(explicitDefaults);
        }

        using (var different = await _client.PostAsync("/v1/layers", Json(new JsonObject { ["name"] = name, ["channels"] = 4, ["reuse"] = "auto" })))
        {
            await AssertProblemAsync(different, HttpStatusCode.Conflict);
        }
    }

    [Theory]
    [InlineData("""{"name": "bad name!", "channels": 3}""", "name")]
    [InlineData("""{"name": "x", "channels": 0}""", "channels")]
    [InlineData("""{"name": "x", "channels": "three"}""", "channels")]
    [InlineData("""{"name": "x", "channels": 3, "activation": "gelu"}""", "activation")]
    [InlineData("""{"name": "x", "channels": 3, "data_format": "nhwc"}""", "data_format")]
    [InlineData("""{"name": "x", "channels": 3, "reuse": "always"}""", "reuse")]
    [InlineData("""{"name": "x", "channels": 3, "epsilon": -1}""", "epsilon")]
    [InlineData("""{"name": "x", "channels": 3, "decay": 1.5}""", "decay")]
    [InlineData("""{"name": "x", "channels": 3, "param_initializers": {"gamma": [1, 2]}}""", "param_initializers.gamma")]
    [InlineData("""{"name": "x", "channels": 3, "epsilonn": 0.1}""", "epsilonn")]
    [InlineData("""{"name": "x", "channels": 3.5}""", "channels")]
    [InlineData("""{"name": "x", "channels": 1e10}""", "channels")]
    [InlineData("""{"name": "x", "channels": 3, "decay": 1e400}""", "decay")]
    [InlineData("""{"name": "x", "channels": 3, "decay": "0.9"}""", "decay")]
    [InlineData("""{"name": "x", "channels": 3, "param_initializers": {"gamma": 1e400}}""", "param_initializers.gamma")]
    [InlineData("""{"name": "x", "channels": 3, "param_initializers": {"gamma": "one"}}""", "param_initializers.gamma")]
    [InlineData("""{"name": "x", "channels": 3, "center": "yes"}""", "center")]
    [InlineData("""{"name": "x", "channels": 3, "collections": "a"}""", "collections")]
    [InlineData("""{"name": "x", "channels": 3, "renorm_clipping": {"rmax": "big"}}""", "renorm_clipping.rmax")]
    public async Task CreateRejectsBadConfigWith400NamingTheField(string body, string field)
    {
        using var response = await _client.PostAsync("/v1/layers", Json(body));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("")]
    [InlineData("[1, 2]")]
    [InlineData("null")]
    [InlineData("""{"channels": 3}""")]
    public async Task CreateRejectsMalformedJsonWith400(string body)
    {
        using var response = await _client.PostAsync("/v1/layers", Json(body));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task CreateRejectsAWrongContentTypeWith415()
    {
        using var response = await _client.PostAsync("/v1/layers", new StringContent(Config("x").ToJsonString(), System.Text.Encoding.UTF8, "text/plain"));
        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task UnknownRoutesAnswerAProblem()
    {
        await AssertProblemAsync(await _client.GetAsync("/v1/nothing"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task GetListAndDelete()
    {
        var prefix = LayerNames.Unique("list");
        var collection = LayerNames.Unique("coll");
        await CreateLayerAsync(_client, new JsonObject { ["name"] = prefix + ".a", ["channels"] = 2, ["collections"] = new JsonArray(collection) });
        await CreateLayerAsync(_client, new JsonObject { ["name"] = prefix + ".b", ["channels"] = 2 });

        var got = await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{prefix}.a"));
        Assert.Equal(2, (int)got["channels"]!);

        var byPrefix = await ReadJsonAsync(await _client.GetAsync($"/v1/layers?prefix={prefix}"));
        Assert.Equal([prefix + ".a", prefix + ".b"], byPrefix["layers"]!.AsArray().Select(l => (string)l!["name"]!));
        var byCollection = await ReadJsonAsync(await _client.GetAsync($"/v1/layers?collection={collection}"));
        Assert.Equal([prefix + ".a"], byCollection["layers"]!.AsArray().Select(l => (string)l!["name"]!));
        var all = await ReadJsonAsync(await _client.GetAsync("/v1/layers"));
        Assert.Contains(all["layers"]!.AsArray(), l => (string)l!["name"]! == prefix + ".b");

        using (var deleted = await _client.DeleteAsync($"/v1/layers/{prefix}.a"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        await AssertProblemAsync(await _client.GetAsync($"/v1/layers/{prefix}.a"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await _client.DeleteAsync($"/v1/layers/{prefix}.a"), HttpStatusCode.NotFound);
        var afterDelete = await ReadJsonAsync(await _client.GetAsync($"/v1/layers?prefix={prefix}"));
        Assert.Equal([prefix + ".b"], afterDelete["layers"]!.AsArray().Select(l => (string)l!["name"]!));

        // The name is free again, for a fresh layer.
        var recreated = await CreateLayerAsync(_client, new JsonObject { ["name"] = prefix + ".a", ["channels"] = 5 });
        Assert.Equal(5, (int)recreated["channels"]!);
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("DELETE", "")]
    [InlineData("POST", "/commit")]
    [InlineData("POST", "/reset")]
    public async Task UnknownLayerIs404AndABadNameIs400(string method, string suffix)
    {
        using var unknown = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"/v1/layers/{LayerNames.Unique("none")}{suffix}"));
        await AssertProblemAsync(unknown, HttpStatusCode.NotFound);
        using var bad = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"/v1/layers/-bad{suffix}"));
        await AssertProblemAsync(bad, HttpStatusCode.BadRequest, "name");
    }

    [Fact]
    public async Task TrainInferBackwardCommitReset()
    {
        var name = LayerNames.Unique("flow");
        await CreateLayerAsync(_client, new JsonObject { ["name"] = name, ["channels"] = 3, ["updates"] = "deferred", ["scale"] = true });

        var trained = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(new JsonObject { ["input"] = Batch() })));
        Assert.Equal(1, (long)trained["step"]!);
        Assert.Equal(1, (int)trained["pending_updates"]!);
        Assert.Equal([4, 3], trained["output"]!["shape"]!.AsArray().Select(d => (int)d!));
        Assert.Equal(3, trained["batch_mean"]!.AsArray().Count);
        Assert.Equal(3, trained["batch_variance"]!.AsArray().Count);

        var inferred = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/infer", Json(new JsonObject { ["input"] = Batch() })));
        Assert.Equal(12, Floats(inferred["output"]).Length);

        var backward = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/backward", Json(new JsonObject
        {
            ["input"] = Batch(), ["grad_output"] = Batch(offset: 1), ["apply"] = new JsonObject { ["learning_rate"] = 0.1 },
        })));
        Assert.Equal(12, Floats(backward["grad_input"]).Length);
        Assert.Equal(3, backward["grad_gamma"]!.AsArray().Count);
        Assert.Equal(3, backward["grad_beta"]!.AsArray().Count);
        Assert.Equal(0.0, (double)backward["regularization_loss"]!);

        var afterBackward = await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}"));
        Assert.NotEqual([1.0, 1.0, 1.0], Doubles(afterBackward["gamma"]));
        Assert.Equal(1, (long)afterBackward["step"]!);

        var committed = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/commit", null));
        Assert.Equal(0, (int)committed["pending_updates"]!);
        Assert.NotEqual([0.0, 0.0, 0.0], Doubles(committed["moving_mean"]));

        var reset = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/reset", null));
        Assert.Equal(0, (long)reset["step"]!);
        Assert.Equal([0.0, 0.0, 0.0], Doubles(reset["moving_mean"]));
        Assert.Equal([1.0, 1.0, 1.0], Doubles(reset["gamma"]));
    }

    [Theory]
    [InlineData("train")]
    [InlineData("infer")]
    [InlineData("backward")]
    public async Task TensorRoutesAnswerEveryErrorStatus(string route)
    {
        var name = LayerNames.Unique("errors-" + route);
        await CreateLayerAsync(_client, Config(name));
        JsonObject Body(JsonObject input) => route == "backward"
            ? new JsonObject { ["input"] = input, ["grad_output"] = input.DeepClone() }
            : new JsonObject { ["input"] = input };
        var before = await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}"));

        // 404: unknown layer.
        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{LayerNames.Unique("none")}/{route}", Json(Body(Batch()))), HttpStatusCode.NotFound);
        // 400: wrong channel count, data length, NaN-like overflow, rank, non-numbers.
        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/{route}", Json(Body(Batch(channels: 4)))), HttpStatusCode.BadRequest, "input.shape");
        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/{route}", Json(Body(Tensor([2, 3], [1, 2, 3])))), HttpStatusCode.BadRequest, "input.data");
        var overflow = JsonNode.Parse("""{"shape": [2, 3], "data": [1, 2, 3, 4, 5, 1e39]}""")!.AsObject();
        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/{route}", Json(Body(overflow))), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/{route}", Json(Body(Tensor([3], [1, 2, 3])))), HttpStatusCode.BadRequest, "input.shape");
        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/{route}",
            Json("""{"input": {"shape": [1, 3], "data": [1, "x", 3]}""" + (route == "backward" ? ""","grad_output": {"shape": [1, 3], "data": [1, 2, 3]}}""" : "}"))),
            HttpStatusCode.BadRequest);
        // 415: not JSON (and not binary).
        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/{route}", new StringContent("x", System.Text.Encoding.UTF8, "text/csv")),
            HttpStatusCode.UnsupportedMediaType);

        // None of it changed the layer.
        var after = await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}"));
        Assert.Equal(before.ToJsonString(), after.ToJsonString());
    }

    [Fact]
    public async Task BackwardRejectsMismatchedGradOutputAndBadLearningRate()
    {
        var name = LayerNames.Unique("backward-bad");
        await CreateLayerAsync(_client, Config(name));
        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/backward",
            Json(new JsonObject { ["input"] = Batch(), ["grad_output"] = Batch(rows: 2) })), HttpStatusCode.BadRequest, "grad_output.shape");
        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/backward",
            Json(new JsonObject { ["input"] = Batch(), ["grad_output"] = Batch(), ["apply"] = new JsonObject { ["learning_rate"] = -1 } })),
            HttpStatusCode.BadRequest, "apply.learning_rate");
    }

    [Fact]
    public async Task TrainRejectsBadBatchWeights()
    {
        var name = LayerNames.Unique("weights");
        await CreateLayerAsync(_client, Config(name));
        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/train",
            Json(new JsonObject { ["input"] = Batch(), ["batch_weights"] = new JsonArray(1, 2) })), HttpStatusCode.BadRequest, "batch_weights");
        var layer = await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}"));
        Assert.Equal(0, (long)layer["step"]!);
    }
}
