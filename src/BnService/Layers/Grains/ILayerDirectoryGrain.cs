using Orleans.Concurrency;

namespace BnService.Layers.Grains;

/// <summary>The names of the layers that exist, with their collections, for listing. One instance (key 0).</summary>
[Alias("bn.ILayerDirectoryGrain")]
public interface ILayerDirectoryGrain : IGrainWithIntegerKey
{
    [Alias("Add")]
    Task Add(string name, string[] collections);

    [Alias("Remove")]
    Task Remove(string name);

    /// <summary>Names in ordinal order, filtered by name prefix and collection membership when given.</summary>
    [Alias("List"), ReadOnly]
    Task<string[]> List(string? prefix, string? collection);
}
