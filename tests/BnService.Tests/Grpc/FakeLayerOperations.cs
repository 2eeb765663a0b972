using System.Collections.Concurrent;
using BnEngine;
using BnService.Layers;

namespace BnService.Tests.Grpc;

/// <summary>
/// Layer operations that answer predictably, to test the gRPC mapping on its own: train and infer echo their
/// input (train counts steps per layer and reports the step as its batch mean), a name starting with
/// "fail-" throws the <see cref="ServiceErrorKind"/> that follows, and <see cref="Gate"/> can hold calls.
/// </summary>
internal sealed class FakeLayerOperations : ILayerOperations
{
    private readonly ConcurrentDictionary<string, LayerView> _layers = new();
    private readonly ConcurrentDictionary<string, long> _steps = new();

    /// <summary>Awaited by train and infer before they answer.</summary>
    public Func<string, CancellationToken, Task> Gate { get; set; } = (_, _) => Task.CompletedTask;

    /// <summary>Names of the train and infer calls started, in order.</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>The last train input seen.</summary>
    public TrainInput? LastTrain { get; private set; }

    /// <summary>The last backward input seen.</summary>
    public BackwardInput? LastBackward { get; private set; }

    /// <summary>The last spec created.</summary>
    public LayerSpec? LastSpec { get; private set; }

    public Task<CreateOutcome> CreateAsync(LayerSpec spec, ReuseMode reuse, CancellationToken cancellationToken = default)
    {
        Fail(spec.Name);
        LastSpec = spec;
        var config = LayerConfig.Resolve(spec);
        var view = new LayerView(config, new BatchNormLayer(config).CaptureState());
        return Task.FromResult(new CreateOutcome(_layers.GetOrAdd(spec.Name, view), true));
    }

    public Task<IReadOnlyList<LayerView>> ListAsync(string? prefix, string? collection, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<LayerView>>(_layers.Values.Where(l => prefix is null || l.Config.Name.StartsWith(prefix, StringComparison.Ordinal)).ToList());

    public Task<LayerView> GetAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult(Find(name));

    public Task DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        Fail(name);
        return _layers.TryRemove(name, out _) ? Task.CompletedTask : throw NotFound(name);
    }

    public async Task<TrainOutcome> TrainAsync(string name, TrainInput input, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue(name);
        Fail(name);
        await Gate(name, cancellationToken);
        LastTrain = input;
        var step = _steps.AddOrUpdate(name, 1, (_, s) => s + 1);
        return new TrainOutcome(input.Input, [step], [1.0], step, 0);
    }

    public async Task<TensorData> InferAsync(string name, TensorData input, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue(name);
        Fail(name);
        await Gate(name, cancellationToken);
        return input;
    }

    public Task<BackwardOutcome> BackwardAsync(string name, BackwardInput input, CancellationToken cancellationToken = default)
    {
        Fail(name);
        LastBackward = input;
        return Task.FromResult(new BackwardOutcome(input.GradOutput, [1.5], [2.5], 0.25));
    }

    public Task<LayerView> CommitAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult(Find(name));

    public Task<LayerView> ResetAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult(Find(name));

    private LayerView Find(string name)
    {
        Fail(name);
        return _layers.TryGetValue(name, out var view) ? view : throw NotFound(name);
    }

    private static ServiceException NotFound(string name) => new(ServiceErrorKind.NotFound, $"no layer named '{name}'");

    private static void Fail(string name)
    {
        if (name.StartsWith("fail-", StringComparison.Ordinal))
        {
            var kind = Enum.Parse<ServiceErrorKind>(name["fail-".Length..]);
            throw new ServiceException(kind, $"failing as {kind}", kind == ServiceErrorKind.InvalidArgument ? "input" : null);
        }
    }
}
