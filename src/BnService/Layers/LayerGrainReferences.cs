using System.Collections.Concurrent;
using BnService.Layers.Grains;

namespace BnService.Layers;

/// <summary>
/// Layer grain references by layer name, made once and reused: building one (the grain id from the name, the
/// reference's type lookup) costs more than a small batch's whole training step. At most <see cref="Capacity"/> names
/// are held; past that the cache starts over, so names of layers that never existed cannot make it grow without bound.
/// </summary>
internal sealed class LayerGrainReferences(IGrainFactory grains)
{
    public const int Capacity = 4096;

    private readonly ConcurrentDictionary<string, ILayerGrain> _byName = new(StringComparer.Ordinal);

    public ILayerGrain For(string name)
    {
        if (_byName.TryGetValue(name, out var layer))
        {
            return layer;
        }

        if (_byName.Count >= Capacity)
        {
            _byName.Clear();
        }

        return _byName.GetOrAdd(name, grains.GetGrain<ILayerGrain>(name));
    }
}
