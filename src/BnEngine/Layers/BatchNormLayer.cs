namespace BnEngine;

/// <summary>
/// One batch-normalization layer: configuration plus state; one training step is one method call.
/// Not thread-safe for writers: the owner serializes Train/Backward(apply)/Commit/Reset; Infer and
/// Backward without apply only read. Every method validates before it changes anything.
/// </summary>
public sealed class BatchNormLayer
{
    private LayerState _state;

    /// <summary>A fresh layer at its initializers, step 0.</summary>
    public BatchNormLayer(LayerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        _state = LayerStates.Initial(config, version: 0);
    }

    /// <summary>A layer restored from stored state (validated against the config).</summary>
    /// <exception cref="ArgumentException">The state does not fit the config (a storage fault, not a client error).</exception>
    public BatchNormLayer(LayerConfig config, LayerState state)
    {
        ArgumentNullException.ThrowIfNull(config);
        LayerStates.Validate(config, state);
        Config = config;
        _state = LayerStates.Copy(state);
    }

    public LayerConfig Config { get; }

    /// <summary>A deep copy of the current state.</summary>
    public LayerState CaptureState() => LayerStates.Copy(_state);

    /// <summary>Training-mode forward: normalize with the batch statistics and update (or queue) the moving ones.</summary>
    /// <param name="shape">Rank 2..5; the channel axis (per data_format) must equal channels.</param>
    /// <param name="input">shape.ElementCount finite values.</param>
    /// <param name="output">Receives shape.ElementCount values; may not overlap input.</param>
    /// <param name="batchWeights">Empty: none. Otherwise shape[0] finite, non-negative weights (TF batch_weights).</param>
    public TrainResult Train(TensorShape shape, ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<float> batchWeights = default)
        => throw new NotImplementedException();

    /// <summary>Inference-mode forward with the moving statistics. Reads state only.</summary>
    public void Infer(TensorShape shape, ReadOnlySpan<float> input, Span<float> output) => throw new NotImplementedException();

    /// <summary>
    /// Gradients of sum(gradOutput * y) (bn-math.md §9.4, through the activation and renorm's r and d as constants).
    /// With <paramref name="learningRate"/> and trainable, gamma and beta take one SGD step.
    /// </summary>
    public BackwardResult Backward(TensorShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradInput,
        bool isTraining, double? learningRate) => throw new NotImplementedException();

    /// <summary>Applies the deferred updates in arrival order.</summary>
    public void Commit() => throw new NotImplementedException();

    /// <summary>Back to the initializers, step 0, no pending updates.</summary>
    public void Reset() => _state = LayerStates.Initial(Config, _state.Version + 1);
}
