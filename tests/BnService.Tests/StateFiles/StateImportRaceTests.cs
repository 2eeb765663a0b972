using System.Text.Json.Nodes;
using BnService.Layers;
using BnService.Layers.Grains;
using BnService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.StateFiles;

/// <summary>An import replaces the state only at the version it was built from: a change in between is never lost.</summary>
[Collection(SharedServiceCollection.Name)]
public class StateImportRaceTests(SharedService factory)
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task AStaleReplaceChangesNothing()
    {
        var name = LayerNames.Unique("import-race");
        await CreateLayerAsync(_client, new JsonObject { ["name"] = name, ["channels"] = 2 });
        var grain = factory.Services.GetRequiredService<IGrainFactory>().GetGrain<ILayerGrain>(name);
        var read = (await grain.Get()).Value!;

        // A train lands between the read and the replace.
        await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(new JsonObject { ["input"] = Tensor([2, 2], [1, 2, 3, 5]) })));
        var stale = await grain.ReplaceState(read.Config, read.State.Version, read.State);
        Assert.Equal(ServiceErrorKind.ConfigMismatch, stale.Fault?.Kind);
        Assert.Equal(1, (await grain.Get()).Value!.State.Step);

        // At the current version it goes through, one version later.
        var current = (await grain.Get()).Value!;
        var replaced = await grain.ReplaceState(current.Config, current.State.Version, read.State);
        Assert.Null(replaced.Fault);
        Assert.Equal(0, replaced.Value!.State.Step);
        Assert.Equal(current.State.Version + 1, replaced.Value.State.Version);
    }

    [Fact]
    public async Task ImportsRacingTrainsLoseNoTrain()
    {
        // Keras imports (which keep the step) interleaved with trains: every train is counted.
        var name = LayerNames.Unique("import-trains");
        await CreateLayerAsync(_client, new JsonObject { ["name"] = name, ["channels"] = 2 });
        var weights = (await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}/state?format=keras"))).ToJsonString();
        var trains = Enumerable.Range(0, 20).Select(async _ =>
            await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(new JsonObject { ["input"] = Tensor([2, 2], [1, 2, 3, 5]) }))));
        var imports = Enumerable.Range(0, 20).Select(async _ =>
        {
            using var response = await _client.PutAsync($"/v1/layers/{name}/state?format=keras", Json(weights));
            Assert.True(response.StatusCode is System.Net.HttpStatusCode.OK or System.Net.HttpStatusCode.Conflict, $"{(int)response.StatusCode}");
        });
        await Task.WhenAll(trains.Concat(imports));
        Assert.Equal(20, (long)(await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}")))["step"]!);
    }
}
