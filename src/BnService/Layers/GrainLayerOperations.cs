using BnEngine;
using BnService.Cluster;
using BnService.Layers.Grains;

namespace BnService.Layers;

/// <summary><see cref="ILayerOperations"/> on layer grains: names are checked here, grain faults become <see cref="ServiceException"/>.
/// A layer whose grain is active on this node is called on its host directly (<see cref="LocalLayers"/>), any other
/// through its grain; a grain call that a node failure interrupted is retried once.</summary>
internal sealed class GrainLayerOperations(IGrainFactory grains, LocalLayers local) : ILayerOperations, ILayerStateImport
{
    private readonly LayerGrainReferences _layers = new(grains);

    /// <summary>Reads of the layer before an import gives up because the layer keeps changing under it.</summary>
    private const int ImportAttempts = 3;

    public async Task<CreateOutcome> CreateAsync(LayerSpec spec, ReuseMode reuse, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var config = LayerConfig.Resolve(spec);
        var created = Unwrap(await Call(config.Name, (LayerConfigRecord.From(config), reuse), static (h, c) => h.Create(c.Item1, c.reuse), static (g, c) => g.Create(c.Item1, c.reuse)));
        return new CreateOutcome(View(created.Layer), created.Created);
    }

    public async Task<IReadOnlyList<LayerView>> ListAsync(string? prefix, string? collection, CancellationToken cancellationToken = default)
    {
        var names = await GrainCallRetry.OnceAsync(() => grains.GetGrain<ILayerDirectoryGrain>(0).List(prefix, collection));
        var replies = await Task.WhenAll(names.Select(name => Call(name, 0, static (h, _) => h.Get(), static (g, _) => g.Get())));
        // A layer deleted between the listing and its read is simply left out.
        return [.. replies.Where(r => r.Value is not null).Select(r => View(r.Value!))];
    }

    public async Task<LayerView> GetAsync(string name, CancellationToken cancellationToken = default) =>
        View(Unwrap(await Call(Checked(name), 0, static (h, _) => h.Get(), static (g, _) => g.Get())));

    public async Task DeleteAsync(string name, CancellationToken cancellationToken = default) =>
        Unwrap(await GrainCallRetry.OnceAsync(() => _layers.For(Checked(name)).Delete()));

    public async Task<TrainOutcome> TrainAsync(string name, TrainInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        RequestId.Validate(input.RequestId);
        var call = new TrainCall(ToGrain(input.Input), input.BatchWeights, input.RequestId);
        // On this node's host the answer goes over the batch (the input's array then holds the output).
        var reply = Unwrap(await Call(Checked(name), call, static (h, c) => h.Train(c, answerOverBatch: true), static (g, c) => g.Train(c)));
        return new TrainOutcome(Output(reply.Output, input.Input), reply.BatchMean, reply.BatchVariance, reply.Step, reply.PendingUpdates);
    }

    public async Task<TensorData> InferAsync(string name, TensorData input, CancellationToken cancellationToken = default) =>
        Output(Unwrap(await Call(Checked(name), ToGrain(input), static (h, t) => h.Infer(t), static (g, t) => g.Infer(t))), input);

    public async Task<BackwardOutcome> BackwardAsync(string name, BackwardInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var call = new BackwardCall(ToGrain(input.Input), ToGrain(input.GradOutput), input.IsTraining, input.LearningRate);
        var reply = Unwrap(input.LearningRate is null
            ? await Call(Checked(name), call, static (h, c) => h.Gradients(c), static (g, c) => g.Gradients(c))
            : await Call(Checked(name), call, static (h, c) => h.BackwardApply(c), static (g, c) => g.BackwardApply(c)));
        return new BackwardOutcome(Output(reply.GradInput, input.Input), reply.GradGamma, reply.GradBeta, reply.RegularizationLoss);
    }

    public async Task<LayerView> CommitAsync(string name, CancellationToken cancellationToken = default) =>
        View(Unwrap(await Call(Checked(name), 0, static (h, _) => h.Commit(), static (g, _) => g.Commit())));

    public async Task<LayerView> ResetAsync(string name, CancellationToken cancellationToken = default) =>
        View(Unwrap(await Call(Checked(name), 0, static (h, _) => h.Reset(), static (g, _) => g.Reset())));

    public async Task<LayerView> ImportAsync(string name, Func<LayerView, LayerState> newState, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(newState);
        for (var attempt = 1; ; attempt++)
        {
            var current = await GetAsync(name, cancellationToken);
            var state = LayerStateRecord.From(newState(current));
            var config = LayerConfigRecord.From(current.Config);
            var reply = await Call(name, (config, current.State.Version, state), static (h, c) => h.ReplaceState(c.config, c.Version, c.state),
                static (g, c) => g.ReplaceState(c.config, c.Version, c.state));
            if (reply.Fault is { Kind: ServiceErrorKind.ConfigMismatch } && attempt < ImportAttempts)
            {
                continue;
            }

            return View(Unwrap(reply));
        }
    }

    /// <summary>
    /// The call on the layer's host when its grain is active on this node and the host still answers, else through
    /// the grain; every grain call is retried once when a node of the cluster went away (<see cref="GrainCallRetry"/>).
    /// </summary>
    private async Task<GrainReply<T>> Call<TArg, T>(string name, TArg argument,
        Func<LayerHost, TArg, Task<GrainReply<T>?>> onHost, Func<ILayerGrain, TArg, Task<GrainReply<T>>> onGrain)
    {
        if (local.TryGet(name, out var host))
        {
            host.MarkUsedHere();
            try
            {
                if (await onHost(host, argument) is { } reply)
                {
                    return reply;
                }
            }
            catch (Exception e) when (GrainCallRetry.IsClusterFault(e))
            {
                // A grain call the host made (the directory's) met a node failure: the call goes through the grain,
                // with its one retry, as it would have before reaching the host.
            }
        }

        return await OnGrainAsync(name, argument, onGrain);
    }

    /// <summary>
    /// The call through the layer's grain. Apart from <see cref="Call"/>: the lambda's captured values would otherwise be
    /// allocated on every call, the host's included.
    /// </summary>
    private Task<GrainReply<T>> OnGrainAsync<TArg, T>(string name, TArg argument, Func<ILayerGrain, TArg, Task<GrainReply<T>>> onGrain)
    {
        var layer = _layers.For(name);
        return GrainCallRetry.OnceAsync(() => onGrain(layer, argument));
    }

    private static string Checked(string name)
    {
        LayerName.Validate(name);
        return name;
    }

    private static T Unwrap<T>(GrainReply<T> reply) =>
        reply.Fault is { } fault ? throw new ServiceException(fault.Kind, fault.Message, fault.Field) : reply.Value!;

    private static LayerView View(LayerSnapshot snapshot) => new(snapshot.Config.ToConfig(), snapshot.State.ToState());

    private static GrainTensor ToGrain(TensorData tensor) => new(tensor.Shape.ToArray(), tensor.Bytes);

    /// <summary>
    /// An answer's tensor of its request's shape (train's and infer's output, backward's grad_input): the request's
    /// validated shape serves again, unless the grain answered another.
    /// </summary>
    private static TensorData Output(GrainTensor output, TensorData input) =>
        output.Shape.AsSpan().SequenceEqual(input.Shape.Dims) ? new TensorData(input.Shape, output.Bytes) : new(TensorShape.Create(output.Shape, "output.shape"), output.Bytes);
}
