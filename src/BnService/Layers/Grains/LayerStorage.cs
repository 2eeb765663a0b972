using BnService.Hosting;
using BnService.Storage;
using Orleans.Serialization;
using Orleans.Storage;

namespace BnService.Layers.Grains;

/// <summary>The grain storage that holds layers and the directory.</summary>
internal static class LayerStorage
{
    public const string Name = "layers";

    /// <summary>
    /// Registers the storage that <see cref="StorageSettings.Kind"/> names (validated at start). Memory storage on
    /// one node (<paramref name="cluster"/> without Redis) is <see cref="NodeMemoryGrainStorage"/>; in a cluster, Orleans'.
    /// </summary>
    public static ISiloBuilder AddLayerStorage(this ISiloBuilder silo, StorageSettings settings, ClusterSettings cluster)
    {
        switch (settings.Kind)
        {
            case StorageSettings.File:
                silo.AddFileGrainStorage(Name, settings.Path);
                break;
            case StorageSettings.RedisKind when RedisConnection.TryParse(settings.Redis, out var redis, out _):
                // Orleans' binary serializer, not the JSON default: about five times faster and a third of the size.
                silo.AddRedisGrainStorage(Name, options => options.Configure<Serializer>((o, serializer) =>
                {
                    o.ConfigurationOptions = redis;
                    o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
                    o.DeleteStateOnClear = true;
                }));
                break;
            case StorageSettings.Memory when !RedisConnection.TryParse(cluster.Redis, out _, out _):
                silo.Services.AddKeyedSingleton<IGrainStorage>(Name, (sp, _) => new NodeMemoryGrainStorage(sp.GetRequiredService<DeepCopier>()));
                break;
            default:
                // Also for a kind whose settings do not parse: validation stops the start and says why.
                // The binary serializer here too: the JSON default costs a training step about 100 KB of garbage and most of its time.
                silo.AddMemoryGrainStorage(Name, options => options.Configure<Serializer>((o, serializer) =>
                    o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer)));
                break;
        }

        return silo;
    }
}
