using BnService.Cluster;
using BnService.Hosting;
using BnService.Layers.Grains;
using Orleans.Configuration;

namespace BnService.Layers;

public static class LayersExtensions
{
    /// <summary>
    /// The co-hosted Orleans silo that holds the layers (one node, or a cluster through <c>Cluster:Redis</c>:
    /// see <see cref="ClusterMembership"/>), its readiness, and <see cref="ILayerOperations"/> for REST and gRPC.
    /// </summary>
    public static WebApplicationBuilder AddBnLayers(this WebApplicationBuilder builder)
    {
        var cluster = builder.Configuration.GetSection(ClusterSettings.Section).Get<ClusterSettings>() ?? new ClusterSettings();
        var storage = builder.Configuration.GetSection(StorageSettings.Section).Get<StorageSettings>() ?? new StorageSettings();
        var limits = builder.Configuration.GetSection(LimitOptions.Section).Get<LimitOptions>() ?? new LimitOptions();

        builder.UseOrleans(silo =>
        {
            silo.UseLayerClustering(cluster);
            silo.AddLayerStorage(storage, cluster);
            // Two batches (input and output) with room to spare: the web tier refuses anything bigger first.
            silo.Configure<SiloMessagingOptions>(o => o.MaxMessageBodySize = (int)Math.Min(int.MaxValue, 2 * limits.MaxBatchBytes + (1 << 20)));
        });

        builder.Services.AddSingleton<SiloReadiness>();
        builder.Services.AddSingleton<IReadiness>(sp => sp.GetRequiredService<SiloReadiness>());
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloReadiness>());
        builder.Services.AddSingleton<LocalLayers>();
        builder.Services.AddSingleton<GrainLayerOperations>();
        builder.Services.AddSingleton<ILayerOperations>(sp => sp.GetRequiredService<GrainLayerOperations>());
        builder.Services.AddSingleton<ILayerStateImport>(sp => sp.GetRequiredService<GrainLayerOperations>());
        return builder;
    }
}
