using BnEngine;

namespace BnService.Layers;

/// <summary>api.md <c>reuse</c>.</summary>
[GenerateSerializer, Alias("bn.ReuseMode")]
public enum ReuseMode { Never, Reuse, Auto }

/// <summary>A layer as api.md represents it: its resolved config and its state.</summary>
public sealed record LayerView(LayerConfig Config, LayerState State);

public sealed record CreateOutcome(LayerView Layer, bool Created);

public sealed record TrainInput(TensorData Input, float[]? BatchWeights, string? RequestId);

public sealed record TrainOutcome(TensorData Output, double[] BatchMean, double[] BatchVariance, long Step, int PendingUpdates);

public sealed record BackwardInput(TensorData Input, TensorData GradOutput, bool IsTraining, double? LearningRate);

public sealed record BackwardOutcome(TensorData GradInput, double[] GradGamma, double[] GradBeta, double RegularizationLoss);

/// <summary>
/// Every layer operation of api.md, in protocol-neutral terms: REST and gRPC both call this and only map
/// their own wire formats in and out. Errors are <see cref="ServiceException"/> (and <see cref="BatchNormException"/>
/// for engine validation, which maps to InvalidArgument).
/// </summary>
public interface ILayerOperations
{
    Task<CreateOutcome> CreateAsync(LayerSpec spec, ReuseMode reuse, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<LayerView>> ListAsync(string? prefix, string? collection, CancellationToken cancellationToken = default);
    Task<LayerView> GetAsync(string name, CancellationToken cancellationToken = default);
    Task DeleteAsync(string name, CancellationToken cancellationToken = default);
    /// <summary>
    /// One training step. The caller gives the input's array up to the call: without a request_id the output may be
    /// written over it (the outcome's output is then the input's array), so neither is read as the input afterwards.
    /// </summary>
    Task<TrainOutcome> TrainAsync(string name, TrainInput input, CancellationToken cancellationToken = default);
    Task<TensorData> InferAsync(string name, TensorData input, CancellationToken cancellationToken = default);
    Task<BackwardOutcome> BackwardAsync(string name, BackwardInput input, CancellationToken cancellationToken = default);
    Task<LayerView> CommitAsync(string name, CancellationToken cancellationToken = default);
    Task<LayerView> ResetAsync(string name, CancellationToken cancellationToken = default);
}
