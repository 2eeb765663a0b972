using System.Text.Json.Nodes;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Rest;

/// <summary>The README walk-through's create and list calls go together: the list example finds the layer it created.</summary>
[Collection(SharedServiceCollection.Name)]
public class WalkThroughListTests(SharedService factory)
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task TheListExampleFindsTheWalkThroughLayer()
    {
        // The README's names under a prefix of their own, so other tests' layers stay out.
        var prefix = LayerNames.Unique("walk") + ".encoder.";
        var name = prefix + "block1.bn";
        await CreateLayerAsync(_client, new JsonObject { ["name"] = name, ["channels"] = 3, ["convention"] = "keras", ["collections"] = new JsonArray("bn") });
        await CreateLayerAsync(_client, new JsonObject { ["name"] = prefix + "block2.bn", ["channels"] = 3 });

        var listed = await ReadJsonAsync(await _client.GetAsync($"/v1/layers?prefix={Uri.EscapeDataString(prefix)}&collection=bn"));
        Assert.Equal([name], listed["layers"]!.AsArray().Select(l => (string?)l!["name"]));
    }
}
