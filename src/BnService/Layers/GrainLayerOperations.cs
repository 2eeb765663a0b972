using BnEngine;
using BnService.Cluster;
using BnService.Layers.Grains;

namespace BnService.Layers;

/// <summary><see cref="ILayerOperations"/> on layer grains: names are checked here, grain faults become <see cref="ServiceException"/>.
/// A call that a node failure interrupted is retried once.</summary>
internal sealed class GrainLayerOperations(IGrainFactory grains) : ILayerOperations, ILayerStateImport
{
    private readonly LayerGrainReferences _layers = new(grains);

    /// <summary>Reads of the layer before an import gives up because the layer keeps changing under it.</summary>
    private const int ImportAttempts = 3;

    public async Task<CreateOutcome> CreateAsync(LayerSpec spec, ReuseMode reuse, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var config = LayerConfig.Resolve(spec);
        var created = Unwrap(await Retry(() => Layer(config.Name).Create(LayerConfigRecord.From(config), reuse)));
        return new CreateOutcome(View(created.Layer), created.Created);
    }

    public async Task<IReadOnlyList<LayerView>> ListAsync(string? prefix, string? collection, CancellationToken cancellationToken = default)
    {
        var names = await Retry(() => grains.GetGrain<ILayerDirectoryGrain>(0).List(prefix, collection));
        var replies = await Task.WhenAll(names.Select(name => Retry(() => Layer(name).Get())));
        // A layer deleted between the listing and its read is simply left out.
        return [.. replies.Where(r => r.Value is not null).Select(r => View(r.Value!))];
    }

    public async Task<LayerView> GetAsync(string name, CancellationToken cancellationToken = default) =>
        View(Unwrap(await Retry(() => Layer(Checked(name)).Get())));

    public async Task DeleteAsync(string name, CancellationToken cancellationToken = default) =>
        Unwrap(await Retry(() => Layer(Checked(name)).Delete()));

    public async Task<TrainOutcome> TrainAsync(string name, TrainInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        RequestId.Validate(input.RequestId);
        var reply = Unwrap(await Retry(() => Layer(Checked(name)).Train(new TrainCall(ToGrain(input.Input), input.BatchWeights, input.RequestId))));
        return new TrainOutcome(FromGrain(reply.Output), reply.BatchMean, reply.BatchVariance, reply.Step, reply.PendingUpdates);
    }

    public async Task<TensorData> InferAsync(string name, TensorData input, CancellationToken cancellationToken = default) =>
        FromGrain(Unwrap(await Retry(() => Layer(Checked(name)).Infer(ToGrain(input)))));

    public async Task<BackwardOutcome> BackwardAsync(string name, BackwardInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var layer = Layer(Checked(name));
        var call = new BackwardCall(ToGrain(input.Input), ToGrain(input.GradOutput), input.IsTraining, input.LearningRate);
        var reply = Unwrap(input.LearningRate is null ? await Retry(() => layer.Gradients(call)) : await Retry(() => layer.BackwardApply(call)));
        return new BackwardOutcome(FromGrain(reply.GradInput), reply.GradGamma, reply.GradBeta, reply.RegularizationLoss);
    }

    public async Task<LayerView> CommitAsync(string name, CancellationToken cancellationToken = default) =>
        View(Unwrap(await Retry(() => Layer(Checked(name)).Commit())));

    public async Task<LayerView> ResetAsync(string name, CancellationToken cancellationToken = default) =>
        View(Unwrap(await Retry(() => Layer(Checked(name)).Reset())));

    public async Task<LayerView> ImportAsync(string name, Func<LayerView, LayerState> newState, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(newState);
        for (var attempt = 1; ; attempt++)
        {
            var current = await GetAsync(name, cancellationToken);
            var state = LayerStateRecord.From(newState(current));
            var config = LayerConfigRecord.From(current.Config);
            var reply = await Retry(() => Layer(name).ReplaceState(config, current.State.Version, state));
            if (reply.Fault is { Kind: ServiceErrorKind.ConfigMismatch } && attempt < ImportAttempts)
            {
                continue;
            }

            return View(Unwrap(reply));
        }
    }

    private ILayerGrain Layer(string name) => _layers.For(name);

    /// <summary>Every grain call is retried once when a node of the cluster went away (<see cref="GrainCallRetry"/>).</summary>
    private static Task<T> Retry<T>(Func<Task<T>> call) => GrainCallRetry.OnceAsync(call);

    private static string Checked(string name)
    {
        LayerName.Validate(name);
        return name;
    }

    private static T Unwrap<T>(GrainReply<T> reply) =>
        reply.Fault is { } fault ? throw new ServiceException(fault.Kind, fault.Message, fault.Field) : reply.Value!;

    private static LayerView View(LayerSnapshot snapshot) => new(snapshot.Config.ToConfig(), snapshot.State.ToState());

    private static GrainTensor ToGrain(TensorData tensor) => new(tensor.Shape.ToArray(), tensor.Bytes);

    private static TensorData FromGrain(GrainTensor tensor) => new(TensorShape.Create(tensor.Shape, "output.shape"), tensor.Bytes);
}
