using System.Runtime.InteropServices;
using BnEngine;
using BnService.Cluster;
using BnService.Hosting;
using BnService.Telemetry;

namespace BnService.Layers.Grains;

/// <summary>
/// One layer's config and state on the node that holds its grain activation, and every operation on it. The grain
/// creates, loads and closes it; in between, the grain's calls and the calls that arrive at this node
/// (<see cref="LocalLayers"/>) run here directly, so a batch for a layer held by the node it reached takes no
/// scheduler hop. The rules of a grain hold as before: calls that change the layer run one at a time (an async gate),
/// and a read never sees a change half done: Infer reads a <see cref="LayerInference"/> taken between two changes,
/// and the other reads take the gate. Every operation answers null once the host is closed (its activation went away
/// or a write failed): the caller then goes through the grain, which holds a fresh host.
/// </summary>
internal sealed class LayerHost(
    string name,
    LayerStore store,
    StorageSettings storage,
    LimitOptions limits,
    IGrainFactory grains,
    LayerMetrics metrics,
    TimeSpan callTimeout,
    Action<LayerHost> closed)
{
    /// <summary>What Infer reads between two changes: the layer's inference and metric series, or none when there is no layer.</summary>
    private sealed record Readable(LayerInference? Inference, LayerCounters? Metrics);

    private static readonly Readable NoLayer = new(null, null);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private BatchNormLayer? _layer;
    private LayerConfigRecord? _config;
    private TrainReceipts _receipts = null!;
    private LayerCounters? _metrics;
    private int _unwritten;
    private volatile bool _closed;
    private int _usedHere;

    /// <summary>Infer's view, taken at the first inference after a change; null: not taken since the last change.</summary>
    private volatile Readable? _readable;

    public string Name => name;

    /// <summary>The host can no longer answer: its activation is gone or a write failed.</summary>
    public bool IsClosed => _closed;

    /// <summary>Notes a call that came straight from a request on this node, not through the grain (<see cref="TakeUsedHere"/>).</summary>
    public void MarkUsedHere()
    {
        if (Volatile.Read(ref _usedHere) == 0)
        {
            Volatile.Write(ref _usedHere, 1);
        }
    }

    /// <summary>Whether a call came straight to the host since the last time this was asked.</summary>
    public bool TakeUsedHere() => Interlocked.Exchange(ref _usedHere, 0) != 0;

    /// <summary>The layer's metric series, taken at its first recorded call: a call to a layer that does not exist takes no place under the series cap.</summary>
    private LayerCounters Metrics => _metrics ??= metrics.For(Name);

    /// <summary>Reads the stored record; before any call.</summary>
    public async Task LoadAsync()
    {
        await store.ReadAsync();
        if (store.State.Config is { } config && store.State.State is { } state)
        {
            _config = config;
            _layer = new BatchNormLayer(config.ToConfig(), state.ToState());
        }

        _receipts = new TrainReceipts(store.State.Receipts, limits.ReplayBytesPerLayer);
    }

    /// <summary>
    /// Closes the host (calls from here on answer null, and it leaves the node's table at once), then, after the
    /// call that holds the gate, writes what is not written yet.
    /// </summary>
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        Close();
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_unwritten > 0 && _layer is not null)
            {
                await WriteAsync();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task<GrainReply<CreatedLayer>?> Create(LayerConfigRecord config, ReuseMode reuse) =>
        Exclusive((config, reuse), static (host, call) => host.CreateAsync(call.config, call.reuse));

    public Task<GrainReply<LayerSnapshot>?> Get() =>
        Exclusive(0, static (host, _) => Task.FromResult(host._layer is null ? host.Missing<LayerSnapshot>() : GrainReply<LayerSnapshot>.Ok(host.Snapshot())), changes: false);

    public Task<GrainReply<bool>?> Delete() => Exclusive(0, static (host, _) => host.DeleteAsync());

    /// <summary>Trains on the call's batch.</summary>
    /// <param name="answerOverBatch">
    /// The caller gives the batch's array up to this call (it reads it no more, and no one else holds it): the answer is
    /// written over the batch instead of into an array of its own, which saves the array and a pass of writes to memory
    /// not in the cache (<see cref="AnswersOverBatch"/>). Not through a grain: a grain call may still run after its caller
    /// timed out and returned the batch's array for another call to use.
    /// </param>
    public Task<GrainReply<TrainReply>?> Train(TrainCall call, bool answerOverBatch = false) =>
        Exclusive((call, answerOverBatch), static (host, arguments) => host.TrainAsync(arguments.call, arguments.answerOverBatch));

    public Task<GrainReply<GrainTensor>?> Infer(GrainTensor input)
    {
        var readable = _readable;
        return readable is null || _closed ? InferAfterChangeAsync(input) : Task.FromResult<GrainReply<GrainTensor>?>(Infer(readable, input));
    }

    /// <summary>Backward without apply (a read, under the gate: it reads several parts of the state).</summary>
    public Task<GrainReply<BackwardReply>?> Gradients(BackwardCall call) =>
        Exclusive(call, static (host, call) => Task.FromResult(call.LearningRate is null
            ? host.RunBackward(call)
            : GrainReply<BackwardReply>.Fail(ServiceErrorKind.InvalidArgument, "a backward call with apply changes the layer", "apply")), changes: false);

    public Task<GrainReply<BackwardReply>?> BackwardApply(BackwardCall call) => Exclusive(call, static async (host, call) =>
    {
        var reply = host.RunBackward(call);
        if (reply.Value is not null)
        {
            await host.ChangedAsync();
        }

        return reply;
    });

    public Task<GrainReply<LayerSnapshot>?> Commit() => Exclusive<Action<BatchNormLayer>, LayerSnapshot>(
        static layer => layer.Commit(), static (host, change) => host.ChangeAsync(change));

    public Task<GrainReply<LayerSnapshot>?> Reset() => Exclusive<Action<BatchNormLayer>, LayerSnapshot>(
        static layer => layer.Reset(), static (host, change) => host.ChangeAsync(change));

    /// <summary>See <see cref="ILayerGrain.ReplaceState"/>.</summary>
    public Task<GrainReply<LayerSnapshot>?> ReplaceState(LayerConfigRecord config, long expectedVersion, LayerStateRecord state) =>
        Exclusive((config, expectedVersion, state), static (host, call) => host.ReplaceStateAsync(call.config, call.expectedVersion, call.state));

    /// <summary>
    /// Runs <paramref name="operation"/> alone on the layer, or answers null if the host is closed. After one that
    /// <paramref name="changes"/> the layer, Infer takes its view again: the change is complete by then (written, with
    /// WriteEvery 1).
    /// </summary>
    private async Task<GrainReply<T>?> Exclusive<TArg, T>(TArg argument, Func<LayerHost, TArg, Task<GrainReply<T>>> operation, bool changes = true)
    {
        if (!await _gate.WaitAsync(callTimeout))
        {
            return Busy<T>();
        }

        try
        {
            if (_closed)
            {
                return null;
            }

            try
            {
                return await operation(this, argument);
            }
            catch when (changes)
            {
                // A change that failed past its checks (storage, the directory) may be half done in memory: the
                // stored state is the one to go on from.
                Close();
                throw;
            }
            finally
            {
                if (changes)
                {
                    _readable = null;
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The first inference after a change: takes Infer's view under the gate, so no change is half done in it.</summary>
    private Task<GrainReply<GrainTensor>?> InferAfterChangeAsync(GrainTensor input) => Exclusive(input, static (host, input) =>
        Task.FromResult(host.Infer(host._readable ??= host._layer is { } layer ? new Readable(layer.CaptureInference(), host.Metrics) : NoLayer, input)),
        changes: false);

    private GrainReply<GrainTensor> Infer(Readable readable, GrainTensor input)
    {
        if (readable is not { Inference: { } inference, Metrics: { } counters })
        {
            return Missing<GrainTensor>();
        }

        var started = LayerMetrics.Start();
        var output = Guard((inference, input), static arguments =>
        {
            var (inference, input) = arguments;
            var bytes = TensorBuffers.Rent(input.Bytes.Length);
            inference.Infer(Shape(input, "input.shape"), Floats(input.Bytes), MemoryMarshal.Cast<byte, float>(bytes.AsSpan()));
            return new GrainTensor(input.Shape, bytes);
        }, out var fault);
        if (output is not null)
        {
            counters.Record(LayerOperation.Infer, input.Bytes.Length, started);
        }

        return new GrainReply<GrainTensor>(output, fault);
    }

    private async Task<GrainReply<CreatedLayer>> CreateAsync(LayerConfigRecord config, ReuseMode reuse)
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

        var layer = Guard(config, static config => new BatchNormLayer(config.ToConfig()), out var fault);
        if (layer is null)
        {
            return new GrainReply<CreatedLayer>(null, fault);
        }

        _layer = layer;
        _config = config;
        store.State.Config = config;
        store.State.Receipts.Clear();
        await WriteAsync();
        await grains.GetGrain<ILayerDirectoryGrain>(0).Add(Name, config.Collections);
        return GrainReply<CreatedLayer>.Ok(new CreatedLayer(Snapshot(), Created: true));
    }

    private async Task<GrainReply<bool>> DeleteAsync()
    {
        if (_layer is null)
        {
            return Missing<bool>();
        }

        _layer = null;
        _config = null;
        _unwritten = 0;
        await store.ClearAsync();
        store.State = new LayerGrainState();
        _receipts = new TrainReceipts(store.State.Receipts, limits.ReplayBytesPerLayer);
        await grains.GetGrain<ILayerDirectoryGrain>(0).Remove(Name);
        metrics.Forget(Name);
        _metrics = null;
        return GrainReply<bool>.Ok(true);
    }

    private async Task<GrainReply<TrainReply>> TrainAsync(TrainCall call, bool answerOverBatch)
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

        var overBatch = AnswersOverBatch(call, answerOverBatch);
        var started = LayerMetrics.Start();
        var reply = Guard((layer, call, overBatch), static arguments =>
        {
            var (layer, call, overBatch) = arguments;
            var shape = Shape(call.Input, "input.shape");
            var output = overBatch ? call.Input.Bytes : TensorBuffers.Rent(call.Input.Bytes.Length);
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

        try
        {
            await ChangedAsync();
        }
        catch (Exception e) when (overBatch && GrainCallRetry.IsClusterFault(e))
        {
            // The caller would retry through the grain with the batch, which now holds the answer: it gets the node
            // failure instead, as after its own retry, and the step (not stored, so dropped with this host) is not applied.
            throw new ServiceException(ServiceErrorKind.Unavailable,
                $"the layer's state could not be stored after a node failure ({e.GetType().Name}: {e.Message}); the step was not applied; retry the call");
        }

        return GrainReply<TrainReply>.Ok(reply);
    }

    /// <summary>
    /// Whether a training answer goes over its batch: when the caller gave the batch up, and no receipt will hold the
    /// answer (a request_id's replay answers it again later, while the batch's array goes back to the pool).
    /// </summary>
    private static bool AnswersOverBatch(TrainCall call, bool answerOverBatch) => answerOverBatch && call.RequestId is null;

    /// <summary>A change of the whole layer (commit, reset), answered with the layer after it.</summary>
    private async Task<GrainReply<LayerSnapshot>> ChangeAsync(Action<BatchNormLayer> change)
    {
        if (_layer is not { } layer)
        {
            return Missing<LayerSnapshot>();
        }

        change(layer);
        await ChangedAsync();
        return GrainReply<LayerSnapshot>.Ok(Snapshot());
    }

    private async Task<GrainReply<LayerSnapshot>> ReplaceStateAsync(LayerConfigRecord config, long expectedVersion, LayerStateRecord state)
    {
        if (_layer is not { } layer)
        {
            return Missing<LayerSnapshot>();
        }

        if (layer.CaptureSharedState().Version != expectedVersion || !layer.Config.SameAs(config.ToConfig()))
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
        var reply = Guard((layer, call), static arguments =>
        {
            var (layer, call) = arguments;
            var shape = Shape(call.Input, "input.shape");
            var gradShape = Shape(call.GradOutput, "grad_output.shape");
            if (!gradShape.Equals(shape))
            {
                throw new InvalidShapeException("grad_output.shape", $"grad_output has shape {gradShape} but input has shape {shape}");
            }

            // Pooled: the caller gives it back once the answer is written (as train's and infer's outputs).
            var gradInput = TensorBuffers.Rent(call.Input.Bytes.Length);
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
        if (++_unwritten >= storage.WriteEvery)
        {
            await WriteAsync();
        }
    }

    private async Task WriteAsync()
    {
        // Shared arrays: the record is immutable, and the layer replaces its arrays instead of writing into them.
        store.State.State = LayerStateRecord.From(_layer!.CaptureSharedState());
        // A failed write is not durable: the change's caller (Exclusive) closes the host, and the grain loads a fresh one
        // from the stored state for the next call.
        await store.WriteAsync();
        _unwritten = 0;
    }

    /// <summary>No call is answered from here on (each checks under the gate; Infer's view goes).</summary>
    private void Close()
    {
        _closed = true;
        _readable = null;
        closed(this);
    }

    /// <summary>The gate was held for longer than a grain call may take (a storage call that does not return).</summary>
    private GrainReply<T> Busy<T>() => GrainReply<T>.Fail(ServiceErrorKind.Unavailable,
        $"layer '{Name}' did not become free within {callTimeout.TotalSeconds:0} s: a change on it is still waiting for its storage; retry, with the same request_id for a train call");

    private GrainReply<T> Missing<T>() => GrainReply<T>.Fail(ServiceErrorKind.NotFound, $"layer '{Name}' does not exist", "name");

    /// <summary>
    /// Runs engine code on <paramref name="arguments"/>; a <see cref="BatchNormException"/> (the client's input, nothing
    /// changed) becomes a fault. The code takes its arguments rather than capturing them, so no closure is allocated per call.
    /// </summary>
    private static T? Guard<TArguments, T>(TArguments arguments, Func<TArguments, T> run, out GrainFault? fault) where T : class
    {
        try
        {
            fault = null;
            return run(arguments);
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
