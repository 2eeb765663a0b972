using BnService.Layers.Grains;
using BnService.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;

namespace BnService.Tests.Durability;

/// <summary>The one-node memory storage on its own: a copy of the state round-trips, ETags are checked like the other storages'.</summary>
public sealed class NodeMemoryStorageTests : GrainStorageContract
{
    [Fact]
    public async Task AStateRoundTripsAsACopyWithAnETagThatMovesOnEveryWrite()
    {
        var storage = Storage();
        var id = GrainId.Create("layer", "round-trip");
        var written = new GrainState<LayerGrainState>(new LayerGrainState());
        written.State!.Receipts.Add(new TrainReceipt("r1", 1));
        await storage.WriteStateAsync("layer", id, written);
        var firstTag = written.ETag;
        await storage.WriteStateAsync("layer", id, written);
        Assert.NotNull(firstTag);
        Assert.NotEqual(firstTag, written.ETag);

        // A change after the write is not in the store until the next write.
        written.State.Receipts.Add(new TrainReceipt("unwritten", 2));
        var read = new GrainState<LayerGrainState>();
        await storage.ReadStateAsync("layer", id, read);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal(new TrainReceipt("r1", 1), Assert.Single(read.State!.Receipts));

        // Nor does a change to what a read gave back.
        read.State.Receipts.Clear();
        var again = new GrainState<LayerGrainState>();
        await storage.ReadStateAsync("layer", id, again);
        Assert.Equal(new TrainReceipt("r1", 1), Assert.Single(again.State!.Receipts));
    }

    [Fact]
    public async Task AFirstWriteOverAnExistingRecordFails()
    {
        var storage = Storage();
        var id = GrainId.Create("layer", "twice");
        await storage.WriteStateAsync("layer", id, new GrainState<LayerGrainState>(new LayerGrainState()));
        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            storage.WriteStateAsync("layer", id, new GrainState<LayerGrainState>(new LayerGrainState())));
    }

    [Fact]
    public async Task ClearRemovesTheRecord()
    {
        var storage = Storage();
        var id = GrainId.Create("layer", "cleared");
        var state = new GrainState<LayerGrainState>(new LayerGrainState());
        await storage.WriteStateAsync("layer", id, state);
        await storage.ClearStateAsync("layer", id, state);
        Assert.Null(state.ETag);
        var read = new GrainState<LayerGrainState>();
        await storage.ReadStateAsync("layer", id, read);
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
        await storage.WriteStateAsync("layer", id, read);
        Assert.NotNull(read.ETag);
    }

    protected override IGrainStorage Storage() => new NodeMemoryGrainStorage(Services.GetRequiredService<DeepCopier>());
}
