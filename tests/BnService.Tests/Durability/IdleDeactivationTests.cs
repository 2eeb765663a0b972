using BnService.Layers.Grains;
using BnService.Storage;
using BnService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Durability;

/// <summary>With <c>Storage:WriteEvery</c> above 1, a layer deactivated for idleness writes the changes it held back.</summary>
public sealed class IdleDeactivationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bn-idle-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task AnIdleCollectedLayerHasWrittenEveryStep()
    {
        await using var factory = new BnServiceFactory(new Dictionary<string, string?>
        {
            ["Storage:Kind"] = "file",
            ["Storage:Path"] = _folder,
            ["Storage:WriteEvery"] = "100",
        });
        using var client = factory.CreateClient();
        var run = new TrainingRun(LayerNames.Unique("idle"));
        await CreateLayerAsync(client, run.Config);
        for (var batch = 0; batch < 3; batch++)
        {
            await run.TrainAsync(client, batch);
        }

        Assert.Equal(0, await StoredStepAsync(factory, run.Name));

        // What Orleans does to a layer idle for CollectionAge (15 minutes by default), now.
        await factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        Assert.Equal(3, await StoredStepAsync(factory, run.Name));
        TrainingRun.AssertState(run.Replay(Enumerable.Range(0, 3)), await run.GetAsync(client));
    }

    /// <summary>The step in the layer's file, read with a second storage instance on the same folder.</summary>
    private async Task<long> StoredStepAsync(BnServiceFactory factory, string name)
    {
        var storage = new FileGrainStorage(_folder, factory.Services.GetRequiredService<Serializer>());
        var state = new GrainState<LayerGrainState>();
        await storage.ReadStateAsync("layer", GrainId.Create("layer", name), state);
        return state.State?.State?.Step ?? 0;
    }
}
