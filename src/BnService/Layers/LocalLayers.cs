using System.Collections.Concurrent;
using BnService.Layers.Grains;

namespace BnService.Layers;

/// <summary>
/// The layers whose grain is active on this node, by name: a call that reaches the node holding its layer runs on
/// that layer's <see cref="LayerHost"/> directly instead of through a grain call. A layer grain adds its host when it
/// activates and takes it away when the host closes (deactivation, a failed write); Orleans keeps one activation per
/// layer in the cluster, so a layer is here on at most one node.
/// </summary>
internal sealed class LocalLayers
{
    private readonly ConcurrentDictionary<string, LayerHost> _hosts = new(StringComparer.Ordinal);

    public void Add(LayerHost host) => _hosts[host.Name] = host;

    /// <summary>Takes <paramref name="host"/> away, not a newer host of the same name.</summary>
    public void Remove(LayerHost host) => _hosts.TryRemove(KeyValuePair.Create(host.Name, host));

    public bool TryGet(string name, out LayerHost host) => _hosts.TryGetValue(name, out host!);
}
