using System.Net;
using System.Text.Json.Nodes;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Rest;

/// <summary>A train whose output would leave float32's range is a 400 naming the field, and the layer is unchanged.</summary>
[Collection(SharedServiceCollection.Name)]
public class OverflowingResultTests(SharedService factory)
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task TrainWhoseOutputOverflowsIs400AndChangesNothing()
    {
        var name = LayerNames.Unique("overflow");
        await CreateLayerAsync(_client, new JsonObject
        {
            ["name"] = name, ["channels"] = 1, ["scale"] = true, ["param_initializers"] = new JsonObject { ["gamma"] = 3e38 },
        });
        var before = await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}"));

        // Normalized values of +-1.5 (mean 0, stddev 2/3): 1.5 * 3e38 is beyond float32.
        var body = new JsonObject { ["input"] = Tensor([3, 1], [1, -0.5f, -0.5f]) };
        var problem = await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(body)), HttpStatusCode.BadRequest, "input");

        Assert.Contains("float32", (string?)problem["detail"] ?? problem.ToJsonString());
        var after = await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}"));
        Assert.Equal(before.ToJsonString(), after.ToJsonString());
        Assert.Equal(0, (long)after["step"]!);
    }

    [Fact]
    public async Task AGammaInitializerBeyondFloat32Is400()
    {
        using var response = await _client.PostAsync("/v1/layers", Json(new JsonObject
        {
            ["name"] = LayerNames.Unique("big-gamma"), ["channels"] = 1, ["param_initializers"] = new JsonObject { ["gamma"] = 1e39 },
        }));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "param_initializers.gamma");
    }
}
