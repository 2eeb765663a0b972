using System.Collections.Concurrent;
using BnEngine;
using BnService.Layers;

namespace BnService.Tests.Grpc;

/// <summary>
/// Stand-in layer operations straight on the engine (one lock per layer), used until the service's own
/// implementation is registered by the host.
/// </summary>
internal sealed class EngineLayerOperations : ILayerOperations
{
    private readonly ConcurrentDictionary<string, BatchNormLayer> _layers = new();

    public Task<CreateOutcome> CreateAsync(LayerSpec spec, ReuseMode reuse, CancellationToken cancellationToken = default)
    {
        var layer = new BatchNormLayer(LayerConfig.Resolve(spec));
        if (!_layers.TryAdd(spec.Name, layer))
        {
            throw new ServiceException(ServiceErrorKind.AlreadyExists, $"a layer named '{spec.Name}' exists", "name");
        }

        return Task.FromResult(new CreateOutcome(View(layer), true));
    }

    public Task<IReadOnlyList<LayerView>> ListAsync(string? prefix, string? collection, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<LayerView>>(_layers.Values.Select(View).ToList());

    public Task<LayerView> GetAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult(View(Find(name)));

    public Task DeleteAsync(string name, CancellationToken cancellationToken = default) =>
        _layers.TryRemove(name, out _) ? Task.CompletedTask : throw NotFound(name);

    public Task<TrainOutcome> TrainAsync(string name, TrainInput input, CancellationToken cancellationToken = default)
    {
        var layer = Find(name);
        lock (layer)
        {
            var output = new float[input.Input.Shape.ElementCount];
            var result = layer.Train(input.Input.Shape, input.Input.Values, output, input.BatchWeights);
            return Task.FromResult(new TrainOutcome(TensorData.FromFloats(input.Input.Shape, output), result.BatchMean, result.BatchVariance,
                result.Step, result.PendingUpdates));
        }
    }

    public Task<TensorData> InferAsync(string name, TensorData input, CancellationToken cancellationToken = default)
    {
        var layer = Find(name);
        lock (layer)
        {
            var output = new float[input.Shape.ElementCount];
            layer.Infer(input.Shape, input.Values, output);
            return Task.FromResult(TensorData.FromFloats(input.Shape, output));
        }
    }

    public Task<BackwardOutcome> BackwardAsync(string name, BackwardInput input, CancellationToken cancellationToken = default)
    {
        var layer = Find(name);
        lock (layer)
        {
            var gradInput = new float[input.Input.Shape.ElementCount];
            var result = layer.Backward(input.Input.Shape, input.Input.Values, input.GradOutput.Values, gradInput, input.IsTraining, input.LearningRate);
            return Task.FromResult(new BackwardOutcome(TensorData.FromFloats(input.Input.Shape, gradInput), result.GradGamma, result.GradBeta,
                result.RegularizationLoss));
        }
    }

    public Task<LayerView> CommitAsync(string name, CancellationToken cancellationToken = default)
    {
        var layer = Find(name);
        lock (layer)
        {
            layer.Commit();
            return Task.FromResult(View(layer));
        }
    }

    public Task<LayerView> ResetAsync(string name, CancellationToken cancellationToken = default)
    {
        var layer = Find(name);
        lock (layer)
        {
            layer.Reset();
            return Task.FromResult(View(layer));
        }
    }

    private static LayerView View(BatchNormLayer layer)
    {
        lock (layer)
        {
            return new LayerView(layer.Config, layer.CaptureState());
        }
    }

    private BatchNormLayer Find(string name) => _layers.TryGetValue(name, out var layer) ? layer : throw NotFound(name);

    private static ServiceException NotFound(string name) => new(ServiceErrorKind.NotFound, $"no layer named '{name}'", "name");
}
