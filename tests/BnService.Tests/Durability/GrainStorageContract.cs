using BnService.Layers.Grains;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;

namespace BnService.Tests.Durability;

/// <summary>What every layer storage does alike, tested once: each storage's test class derives and says how to make one.</summary>
public abstract class GrainStorageContract : IDisposable
{
    protected ServiceProvider Services { get; } = new ServiceCollection().AddSerializer().BuildServiceProvider();

    protected Serializer Serializer => Services.GetRequiredService<Serializer>();

    protected abstract IGrainStorage Storage();

    [Fact]
    public async Task AWriteWithAStaleETagFailsAndChangesNothing()
    {
        var storage = Storage();
        var id = GrainId.Create("layer", "stale");
        var mine = new GrainState<LayerGrainState>(new LayerGrainState());
        await storage.WriteStateAsync("layer", id, mine);
        var other = new GrainState<LayerGrainState>();
        await storage.ReadStateAsync("layer", id, other);
        await storage.WriteStateAsync("layer", id, other);

        mine.State!.Receipts.Add(new TrainReceipt("lost", 9));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("layer", id, mine));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("layer", id, mine));
        var read = new GrainState<LayerGrainState>();
        await storage.ReadStateAsync("layer", id, read);
        Assert.Empty(read.State!.Receipts);
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Services.Dispose();
        }
    }
}
