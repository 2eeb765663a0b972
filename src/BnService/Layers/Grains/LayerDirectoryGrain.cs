namespace BnService.Layers.Grains;

[GenerateSerializer, Alias("bn.LayerDirectoryState")]
public sealed class LayerDirectoryState
{
    [Id(0)] public Dictionary<string, string[]> Layers { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The directory of layer names and their collections; layer grains add and remove themselves.</summary>
internal sealed class LayerDirectoryGrain(
    [PersistentState("directory", LayerStorage.Name)] IPersistentState<LayerDirectoryState> store) : Grain, ILayerDirectoryGrain
{
    public async Task Add(string name, string[] collections)
    {
        store.State.Layers[name] = collections;
        await store.WriteStateAsync();
    }

    public async Task Remove(string name)
    {
        if (store.State.Layers.Remove(name))
        {
            await store.WriteStateAsync();
        }
    }

    public Task<string[]> List(string? prefix, string? collection)
    {
        var names = store.State.Layers
            .Where(e => (string.IsNullOrEmpty(prefix) || e.Key.StartsWith(prefix, StringComparison.Ordinal)) &&
                        (string.IsNullOrEmpty(collection) || e.Value.Contains(collection, StringComparer.Ordinal)))
            .Select(e => e.Key)
            .Order(StringComparer.Ordinal)
            .ToArray();
        return Task.FromResult(names);
    }
}
