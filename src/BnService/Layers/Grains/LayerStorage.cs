using BnService.Hosting;
using BnService.Storage;

namespace BnService.Layers.Grains;

/// <summary>The grain storage that holds layers and the directory.</summary>
internal static class LayerStorage
{
    public const string Name = "layers";

    /// <summary>Registers the storage that <see cref="StorageSettings.Kind"/> names (validated at start).</summary>
    public static ISiloBuilder AddLayerStorage(this ISiloBuilder silo, StorageSettings settings)
    {
        switch (settings.Kind)
        {
            case StorageSettings.File:
                silo.AddFileGrainStorage(Name, settings.Path);
                break;
            default:
                silo.AddMemoryGrainStorage(Name);
                break;
        }

        return silo;
    }
}
