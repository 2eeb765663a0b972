using System.Net;
using System.Text.Json.Nodes;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Rest;

/// <summary>request_id across reset and delete.</summary>
[Collection(SharedServiceCollection.Name)]
public class RequestIdTests(SharedService factory)
{
    private readonly HttpClient _client = factory.CreateClient();

    private static JsonObject Train(string requestId) =>
        new() { ["input"] = Tensor([2, 2], [1, 2, 3, 5]), ["request_id"] = requestId };

    [Fact]
    public async Task ResetKeepsTheIdsSoARetryIsNeverCountedAgain()
    {
        var name = LayerNames.Unique("reset-ids");
        await CreateLayerAsync(_client, new JsonObject { ["name"] = name, ["channels"] = 2 });
        var first = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(Train("before-reset"))));

        var reset = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/reset", null));
        Assert.Equal(0, (long)reset["step"]!);

        var retry = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(Train("before-reset"))));
        Assert.Equal(first.ToJsonString(), retry.ToJsonString());
        var layer = await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}"));
        Assert.Equal(0, (long)layer["step"]!);
        Assert.Equal(reset["moving_mean"]!.ToJsonString(), layer["moving_mean"]!.ToJsonString());
    }

    [Fact]
    public async Task DeleteForgetsTheIds()
    {
        var name = LayerNames.Unique("delete-ids");
        await CreateLayerAsync(_client, new JsonObject { ["name"] = name, ["channels"] = 2 });
        await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(Train("x"))));
        await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(Train("y"))));
        using (var deleted = await _client.DeleteAsync($"/v1/layers/{name}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        await CreateLayerAsync(_client, new JsonObject { ["name"] = name, ["channels"] = 2 });
        var again = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(Train("x"))));
        Assert.Equal(1, (long)again["step"]!);
    }
}
