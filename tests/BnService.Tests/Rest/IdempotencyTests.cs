using System.Text.Json.Nodes;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Rest;

/// <summary>A train retried with the same request_id answers as the first time and is not counted twice.</summary>
[Collection(SharedServiceCollection.Name)]
public class IdempotencyTests(SharedService factory)
{
    private readonly HttpClient _client = factory.CreateClient();

    private static JsonObject Train(float seed, string? requestId)
    {
        var body = new JsonObject { ["input"] = Tensor([4, 2], [seed, 1, seed * 2, -1, 3, seed, 0, 2]) };
        if (requestId is not null)
        {
            body["request_id"] = requestId;
        }

        return body;
    }

    [Fact]
    public async Task ARetryAnswersAsTheFirstTimeAndCountsOnce()
    {
        var name = LayerNames.Unique("retry");
        await CreateLayerAsync(_client, new JsonObject { ["name"] = name, ["channels"] = 2, ["scale"] = true });

        var first = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(Train(1, "a"))));
        var second = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(Train(5, "b"))));
        var retry = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(Train(1, "a"))));
        Assert.Equal(1, (long)first["step"]!);
        Assert.Equal(2, (long)second["step"]!);
        Assert.Equal(first.ToJsonString(), retry.ToJsonString());

        var layer = await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}"));
        Assert.Equal(2, (long)layer["step"]!);

        // Without an id every call counts; an id is per layer.
        await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(Train(1, null))));
        await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(Train(1, null))));
        Assert.Equal(4, (long)(await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}")))["step"]!);

        var other = LayerNames.Unique("retry-other");
        await CreateLayerAsync(_client, new JsonObject { ["name"] = other, ["channels"] = 2 });
        Assert.Equal(1, (long)(await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{other}/train", Json(Train(1, "a")))))["step"]!);
    }
}
