using BnService.Hosting;
using BnService.Telemetry;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;

namespace BnService.Layers.Grains;

/// <summary>
/// One layer's place in the cluster: the activation holds the layer's <see cref="LayerHost"/> (config, state, every
/// operation) and offers it to the calls that arrive at this node (<see cref="LocalLayers"/>); calls from other nodes
/// come through the grain. A layer activates on the node that first receives a call for it (so its batches need not
/// cross nodes). When its host closes after a failed write, the next call loads a fresh one from the stored state.
/// Calls straight to the host are no grain calls, so they would not keep the activation from being collected as idle:
/// a timer checks for them (every minute, or a quarter of the collection age if that is shorter) and holds the
/// activation for a collection age more.
/// </summary>
[Orleans.Placement.PreferLocalPlacement]
internal sealed class LayerGrain(
    IOptions<StorageSettings> storage,
    IOptions<LimitOptions> limits,
    IGrainFactory grains,
    LayerMetrics metrics,
    LocalLayers local,
    IOptions<GrainCollectionOptions> collection,
    IOptions<SiloMessagingOptions> messaging,
    ILogger<LayerGrain> logger) : Grain, ILayerGrain
{
    private LayerHost _host = null!;
    private Task<LayerHost>? _replacing;
    private bool _listed;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var period = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(1).Ticks, collection.Value.CollectionAge.Ticks / 4));
        this.RegisterGrainTimer(static (grain, _) => grain.KeepAliveIfUsedHere(), this,
            new GrainTimerCreationOptions(period, period) { Interleave = true, KeepAlive = false });
        _host = await OpenHostAsync();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        _host is { } host ? host.CloseAsync(cancellationToken) : Task.CompletedTask;

    public Task<GrainReply<CreatedLayer>> Create(LayerConfigRecord config, ReuseMode reuse) =>
        OnHost((config, reuse), static (host, call) => host.Create(call.config, call.reuse));

    public Task<GrainReply<LayerSnapshot>> Get() => OnHost(0, static (host, _) => host.Get());

    public async Task<GrainReply<bool>> Delete()
    {
        var reply = await OnHost(0, static (host, _) => host.Delete());
        if (reply.Value)
        {
            DeactivateOnIdle();
        }

        return reply;
    }

    public Task<GrainReply<TrainReply>> Train(TrainCall call) => OnHost(call, static (host, call) => host.Train(call));

    public Task<GrainReply<GrainTensor>> Infer(GrainTensor input) => OnHost(input, static (host, input) => host.Infer(input));

    public Task<GrainReply<BackwardReply>> Gradients(BackwardCall call) => OnHost(call, static (host, call) => host.Gradients(call));

    public Task<GrainReply<BackwardReply>> BackwardApply(BackwardCall call) => OnHost(call, static (host, call) => host.BackwardApply(call));

    public Task<GrainReply<LayerSnapshot>> Commit() => OnHost(0, static (host, _) => host.Commit());

    public Task<GrainReply<LayerSnapshot>> Reset() => OnHost(0, static (host, _) => host.Reset());

    public Task<GrainReply<LayerSnapshot>> ReplaceState(LayerConfigRecord config, long expectedVersion, LayerStateRecord state) =>
        OnHost((config, expectedVersion, state), static (host, call) => host.ReplaceState(call.config, call.expectedVersion, call.state));

    /// <summary>A layer used on this node stays as long as one used through its grain would (<see cref="GrainCollectionOptions.CollectionAge"/>).</summary>
    private Task KeepAliveIfUsedHere()
    {
        if (_host is { } host && host.TakeUsedHere())
        {
            DelayDeactivation(collection.Value.CollectionAge);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Runs a call on the host, on a fresh one if the host closed after a failed write. The first call also puts the
    /// host in the node's table: by then the activation is complete (one whose activation timed out never lists one).
    /// </summary>
    private async Task<GrainReply<T>> OnHost<TArg, T>(TArg argument, Func<LayerHost, TArg, Task<GrainReply<T>?>> call)
    {
        if (!_listed)
        {
            _listed = true;
            local.Add(_host);
        }

        while (true)
        {
            var host = _host.IsClosed ? await ReopenAsync() : _host;
            if (await call(host, argument) is { } reply)
            {
                return reply;
            }
        }
    }

    /// <summary>One fresh host for every call that finds the current one closed (reads may interleave here).</summary>
    private async Task<LayerHost> ReopenAsync()
    {
        var replacing = _replacing ??= OpenHostAsync();
        LayerHost host;
        try
        {
            host = await replacing;
        }
        catch
        {
            if (ReferenceEquals(_replacing, replacing))
            {
                _replacing = null;
            }

            throw;
        }

        // The first call back takes the new host in; a later one may find a newer host already (its own is closed then).
        if (ReferenceEquals(_replacing, replacing))
        {
            _replacing = null;
            _host = host;
            local.Add(host);
        }

        return host;
    }

    private async Task<LayerHost> OpenHostAsync()
    {
        var store = new LayerStore(ServiceProvider.GetRequiredKeyedService<IGrainStorage>(LayerStorage.Name), this.GetGrainId(), logger);
        var host = new LayerHost(this.GetPrimaryKeyString(), store, storage.Value, limits.Value, grains, metrics, messaging.Value.ResponseTimeout, local.Remove);
        await host.LoadAsync();
        return host;
    }
}
