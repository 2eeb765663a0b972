using BnService.Hosting;

namespace BnService.Layers.Grains;

/// <summary>The grain storage that holds layers and the directory.</summary>
internal static class LayerStorage
{
    public const string Name = "layers";

    /// <summary>Registers the storage <see cref="StorageSettings.Kind"/> names (only <c>memory</c> so far; the others fail validation at start).</summary>
    public static ISiloBuilder AddLayerStorage(this ISiloBuilder silo, StorageSettings settings)
    {
        if (settings.Kind == StorageSettings.Memory)
        {
            silo.AddMemoryGrainStorage(Name);
        }

        return silo;
    }
}
