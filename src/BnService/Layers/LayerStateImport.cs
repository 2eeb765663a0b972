using BnEngine;

namespace BnService.Layers;

/// <summary>
/// Replaces a layer's state as a whole (a state file's import). Kept apart from <see cref="ILayerOperations"/>:
/// only the state-file routes use it.
/// </summary>
public interface ILayerStateImport
{
    /// <summary>
    /// Reads the layer, asks <paramref name="newState"/> for the state that replaces it and stores that state,
    /// unless the layer changed in between (then it reads it again; after three tries, 409). The new state's
    /// <see cref="LayerState.Version"/> is ignored: the version goes up by one, as with every change.
    /// <paramref name="newState"/> throws <see cref="ServiceException"/> for input that does not fit the layer;
    /// then nothing changes.
    /// </summary>
    Task<LayerView> ImportAsync(string name, Func<LayerView, LayerState> newState, CancellationToken cancellationToken = default);
}
