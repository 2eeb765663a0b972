using System.Runtime.InteropServices;
using BnEngine;
using BnService.Hosting;
using BnService.Telemetry;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace BnService.Layers.Grains;

/// <summary>
/// One layer: its config and state held through <see cref="LayerStore"/>, the math done by
/// <see cref="BatchNormLayer"/>. Orleans runs the changing calls one at a time, so no locks are needed here.
/// A layer activates on the node that first receives a call for it (so its batches need not cross nodes).
/// </summary>
[Orleans.Placement.PreferLocalPlacement]
internal sealed class LayerGrain(
    IOptions<StorageSettings> storage,
    IOptions<LimitOptions> limits,
    IGrainFactory grains,
    LayerMetrics metrics,
    ILogger<LayerGrain> logger) : Grain, ILayerGrain
{
    private LayerStore _store = null!;
    private BatchNormLayer? _layer;
    private LayerConfigRecord? _config;
    private TrainReceipts _receipts = null!;
    private LayerCounters? _metrics;
    private int _unwritten;

    private string Name => this.GetPrimaryKeyString();

    /// <summary>The layer's metric series, taken at its first recorded call: a call to a layer that does not exist takes no place under the series cap.</summary>
    private LayerCounters Metrics => _metrics ??= metrics.For(Name);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _store = new LayerStore(ServiceProvider.GetRequiredKeyedService<IGrainStorage>(LayerStorage.Name), this.GetGrainId(), logger);
        await _store.ReadAsync();
        if (_store.State.Config is { } config && _store.State.State is { } state)
        {
            _config = config;
            _layer = new BatchNormLayer(config.ToConfig(), state.ToState());
        }

        _receipts = new TrainReceipts(_store.State.Receipts, limits.Value.ReplayBytesPerLayer);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_unwritten > 0 && _layer is not null)
        {
            await WriteAsync();
        }
    }

    public async Task<GrainReply<CreatedLayer>> Create(LayerConfigRecord config, ReuseMode reuse)
    {
        if (_layer is not null)
        {
            if (reuse == ReuseMode.Never)
            {
                return GrainReply<CreatedLayer>.Fail(ServiceErrorKind.AlreadyExists, $"layer '{Name}' already exists (reuse is \"never\")", "name");
            }

            if (!_layer.Config.SameAs(config.ToConfig()))
            {
                return GrainReply<CreatedLayer>.Fail(ServiceErrorKind.ConfigMismatch,
                    $"layer '{Name}' exists with a different configuration; delete it first or send the same configuration");
            }

            return GrainReply<CreatedLayer>.Ok(new CreatedLayer(Snapshot(), Created: false));
        }

        if (reuse == ReuseMode.Reuse)
        {
            return GrainReply<CreatedLayer>.Fail(ServiceErrorKind.NotFound, $"layer '{Name}' does not exist (reuse is \"reuse\")", "name");
        }

        var layer = Guard(() => new BatchNormLayer(config.ToConfig()), out var fault);
        if (layer is null)
        {
            return new GrainReply<CreatedLayer>(null, fault);
        }

        _layer = layer;
        _config = config;
        _store.State.Config = config;
        _store.State.Receipts.Clear();
        await WriteAsync();
        await grains.GetGrain<ILayerDirectoryGrain>(0).Add(Name, config.Collections);
        return GrainReply<CreatedLayer>.Ok(new CreatedLayer(Snapshot(), Created: true));
    }

    public Task<GrainReply<LayerSnapshot>> Get() =>
        Task.FromResult(_layer is null ? Missing<LayerSnapshot>() : GrainReply<LayerSnapshot>.Ok(Snapshot()));

    public async Task<GrainReply<bool>> Delete()
    {
        if (_layer is null)
        {
            return Missing<bool>();
        }

        _layer = null;
        _config = null;
        _unwritten = 0;
        await _store.ClearAsync();
        _store.State = new LayerGrainState();
        _receipts = new TrainReceipts(_store.State.Receipts, limits.Value.ReplayBytesPerLayer);
        await grains.GetGrain<ILayerDirectoryGrain>(0).Remove(Name);
        metrics.Forget(Name);
        _metrics = null;
        DeactivateOnIdle();
        return GrainReply<bool>.Ok(true);
    }

    public async Task<GrainReply<TrainReply>> Train(TrainCall call)
    {
        if (_layer is not { } layer)
        {
            return Missing<TrainReply>();
        }

        if (call.RequestId is { } id && _receipts.TryFind(id, out var receipt, out var earlier))
        {
            return earlier is not null
                ? GrainReply<TrainReply>.Ok(earlier)
                : GrainReply<TrainReply>.Fail(ServiceErrorKind.AlreadyExists,
                    $"request_id '{id}' was already applied to layer '{Name}' at step {receipt.Step}; its answer is no longer held, so it is not applied again",
                    "request_id");
        }

        var started = LayerMetrics.Start();
        var reply = Guard(() =>
        {
            var shape = Shape(call.Input, "input.shape");
            var output = TensorBuffers.Rent(call.Input.Bytes.Length);
            var result = layer.Train(shape, Floats(call.Input.Bytes), MemoryMarshal.Cast<byte, float>(output.AsSpan()), call.BatchWeights);
            return new TrainReply(new GrainTensor(call.Input.Shape, output), result.BatchMean, result.BatchVariance, result.Step, result.PendingUpdates);
        }, out var fault);
        if (reply is null)
        {
            return new GrainReply<TrainReply>(null, fault);
        }

        Metrics.Record(LayerOperation.Train, call.Input.Bytes.Length, started);

        if (call.RequestId is { } requestId)
        {
            _receipts.Add(requestId, reply);
        }

        await ChangedAsync();
        return GrainReply<TrainReply>.Ok(reply);
    }

    public Task<GrainReply<GrainTensor>> Infer(GrainTensor input)
    {
        if (_layer is not { } layer)
        {
            return Task.FromResult(Missing<GrainTensor>());
        }

        var started = LayerMetrics.Start();
        var output = Guard(() =>
        {
            var bytes = TensorBuffers.Rent(input.Bytes.Length);
            layer.Infer(Shape(input, "input.shape"), Floats(input.Bytes), MemoryMarshal.Cast<byte, float>(bytes.AsSpan()));
            return new GrainTensor(input.Shape, bytes);
        }, out var fault);
        if (output is not null)
        {
            Metrics.Record(LayerOperation.Infer, input.Bytes.Length, started);
        }

        return Task.FromResult(new GrainReply<GrainTensor>(output, fault));
    }

    public Task<GrainReply<BackwardReply>> Gradients(BackwardCall call) =>
        Task.FromResult(call.LearningRate is null
            ? RunBackward(call)
            : GrainReply<BackwardReply>.Fail(ServiceErrorKind.InvalidArgument, "a backward call with apply changes the layer", "apply"));

    public async Task<GrainReply<BackwardReply>> BackwardApply(BackwardCall call)
    {
        var reply = RunBackward(call);
        if (reply.Value is not null)
        {
            await ChangedAsync();
        }

        return reply;
    }

    public async Task<GrainReply<LayerSnapshot>> Commit()
    {
        if (_layer is not { } layer)
        {
            return Missing<LayerSnapshot>();
        }

        layer.Commit();
        await ChangedAsync();
        return GrainReply<LayerSnapshot>.Ok(Snapshot());
    }

    public async Task<GrainReply<LayerSnapshot>> Reset()
    {
        if (_layer is not { } layer)
        {
            return Missing<LayerSnapshot>();
        }

        layer.Reset();
        await ChangedAsync();
        return GrainReply<LayerSnapshot>.Ok(Snapshot());
    }

    public async Task<GrainReply<LayerSnapshot>> ReplaceState(LayerConfigRecord config, long expectedVersion, LayerStateRecord state)
    {
        if (_layer is not { } layer)
        {
            return Missing<LayerSnapshot>();
        }

        if (layer.CaptureState().Version != expectedVersion || !layer.Config.SameAs(config.ToConfig()))
        {
            return GrainReply<LayerSnapshot>.Fail(ServiceErrorKind.ConfigMismatch, $"layer '{Name}' changed while its state was being replaced; try again");
        }

        var next = state.ToState();
        next.Version = expectedVersion + 1;
        try
        {
            _layer = new BatchNormLayer(layer.Config, next);
        }
        catch (ArgumentException e)
        {
            return GrainReply<LayerSnapshot>.Fail(ServiceErrorKind.InvalidArgument, $"the state does not fit layer '{Name}': {e.Message}", "body");
        }

        await ChangedAsync();
        return GrainReply<LayerSnapshot>.Ok(Snapshot());
    }

    private GrainReply<BackwardReply> RunBackward(BackwardCall call)
    {
        if (_layer is not { } layer)
        {
            return Missing<BackwardReply>();
        }

        var started = LayerMetrics.Start();
        var reply = Guard(() =>
        {
            var shape = Shape(call.Input, "input.shape");
            var gradShape = Shape(call.GradOutput, "grad_output.shape");
            if (!gradShape.Equals(shape))
            {
                throw new InvalidShapeException("grad_output.shape", $"grad_output has shape {gradShape} but input has shape {shape}");
            }

            var gradInput = new byte[call.Input.Bytes.Length];
            var result = layer.Backward(shape, Floats(call.Input.Bytes), Floats(call.GradOutput.Bytes),
                MemoryMarshal.Cast<byte, float>(gradInput.AsSpan()), call.IsTraining, call.LearningRate);
            return new BackwardReply(new GrainTensor(call.Input.Shape, gradInput), result.GradGamma, result.GradBeta, result.RegularizationLoss);
        }, out var fault);
        if (reply is not null)
        {
            Metrics.Record(LayerOperation.Backward, call.Input.Bytes.Length + call.GradOutput.Bytes.Length, started);
        }

        return new GrainReply<BackwardReply>(reply, fault);
    }

    private LayerSnapshot Snapshot() => new(_config!, LayerStateRecord.From(_layer!.CaptureState()));

    /// <summary>Writes now or after <see cref="StorageSettings.WriteEvery"/> changes; see <see cref="WriteAsync"/>.</summary>
    private async Task ChangedAsync()
    {
        if (++_unwritten >= storage.Value.WriteEvery)
        {
            await WriteAsync();
        }
    }

    private async Task WriteAsync()
    {
        _store.State.State = LayerStateRecord.From(_layer!.CaptureState());
        try
        {
            await _store.WriteAsync();
            _unwritten = 0;
        }
        catch
        {
            // The change is not durable: drop this activation so the next call starts from the stored state.
            DeactivateOnIdle();
            throw;
        }
    }

    private GrainReply<T> Missing<T>() => GrainReply<T>.Fail(ServiceErrorKind.NotFound, $"layer '{Name}' does not exist", "name");

    /// <summary>Runs engine code; a <see cref="BatchNormException"/> (the client's input, nothing changed) becomes a fault.</summary>
    private static T? Guard<T>(Func<T> run, out GrainFault? fault) where T : class
    {
        try
        {
            fault = null;
            return run();
        }
        catch (BatchNormException e)
        {
            fault = new GrainFault(ServiceErrorKind.InvalidArgument, e.Message, e.Field);
            return null;
        }
    }

    private static TensorShape Shape(GrainTensor tensor, string field) => TensorShape.Create(tensor.Shape, field);

    private static ReadOnlySpan<float> Floats(byte[] bytes) => MemoryMarshal.Cast<byte, float>(bytes);
}
