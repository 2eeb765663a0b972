using BnService.Layers.Grains;
using BnService.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;

namespace BnService.Tests.Durability;

/// <summary>The file storage on its own: file names stay in the folder, the record round-trips, damage and ETag conflicts are caught.</summary>
public sealed class StateFileTests : GrainStorageContract
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bn-state-files-").FullName;

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Directory.Delete(_folder, recursive: true);
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("..")]
    [InlineData("a/b\\c\0d")]
    [InlineData("ünïcødé name")]
    public void EveryKeyMapsToAFileDirectlyInsideTheFolder(string layer)
    {
        var key = StateFileNames.Key("layer", GrainId.Create("layer", layer));
        var path = StateFileNames.PathIn(_folder, key);
        Assert.Equal(_folder, Path.GetDirectoryName(path));
        Assert.DoesNotContain('/', Path.GetFileName(path));
        Assert.StartsWith("s_", Path.GetFileName(path), StringComparison.Ordinal);
    }

    [Fact]
    public void ALongKeyGetsAHashedNameOfBoundedLength()
    {
        var key = StateFileNames.Key("layer", GrainId.Create("layer", new string('.', 128)));
        Assert.InRange(StateFileNames.FileName(key).Length, 1, 200);
        Assert.NotEqual(StateFileNames.FileName(key), StateFileNames.FileName(key + "x"));
    }

    [Fact]
    public async Task AStateRoundTripsWithAnETagThatMovesOnEveryWrite()
    {
        var storage = Storage();
        var id = GrainId.Create("layer", "round-trip");
        var written = new GrainState<LayerGrainState>(new LayerGrainState());
        written.State!.Receipts.Add(new TrainReceipt("r1", 1));
        await storage.WriteStateAsync("layer", id, written);
        var firstTag = written.ETag;
        await storage.WriteStateAsync("layer", id, written);
        Assert.NotEqual(firstTag, written.ETag);

        var read = new GrainState<LayerGrainState>();
        await Storage().ReadStateAsync("layer", id, read);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal(new TrainReceipt("r1", 1), Assert.Single(read.State!.Receipts));
    }

    [Fact]
    public async Task ClearRemovesTheFile()
    {
        var storage = Storage();
        var id = GrainId.Create("layer", "cleared");
        var state = new GrainState<LayerGrainState>(new LayerGrainState());
        await storage.WriteStateAsync("layer", id, state);
        await storage.ClearStateAsync("layer", id, state);
        Assert.Empty(Directory.GetFiles(_folder));
        var read = new GrainState<LayerGrainState>();
        await storage.ReadStateAsync("layer", id, read);
        Assert.False(read.RecordExists);
    }

    [Fact]
    public async Task ADamagedFileIsReportedNotReadAsState()
    {
        var storage = Storage();
        var id = GrainId.Create("layer", "damaged");
        var state = new GrainState<LayerGrainState>(new LayerGrainState());
        state.State!.Receipts.Add(new TrainReceipt("r", 1));
        await storage.WriteStateAsync("layer", id, state);
        var file = Assert.Single(Directory.GetFiles(_folder));
        var bytes = await File.ReadAllBytesAsync(file);
        bytes[^10] ^= 0xFF;
        await File.WriteAllBytesAsync(file, bytes);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => storage.ReadStateAsync("layer", id, new GrainState<LayerGrainState>()));
        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARecordOfAnotherFormatVersionIsRefusedWithItsVersionNamed()
    {
        var bytes = StateFileFormat.Encode(1, "k", [1, 2, 3]);
        bytes[4] = 7;
        var error = Assert.Throws<InvalidDataException>(() => StateFileFormat.Decode(bytes, "f"));
        Assert.Contains("version 7", error.Message, StringComparison.Ordinal);
    }

    protected override IGrainStorage Storage() => new FileGrainStorage(_folder, Serializer);
}
