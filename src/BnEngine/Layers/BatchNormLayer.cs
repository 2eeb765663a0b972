using System.Buffers;
using System.Numerics.Tensors;
using BnEngine.Activations;
using BnEngine.Kernels;

namespace BnEngine;

/// <summary>
/// One batch-normalization layer: configuration plus state; one training step is one method call.
/// Not thread-safe for writers: the owner serializes Train/Backward(apply)/Commit/Reset; Infer and
/// Backward without apply only read. Every method validates before it changes anything.
/// The affine step is <c>(x - mean) * a + b</c> with a per-channel double mean (docs/conventions.md).
/// </summary>
public sealed class BatchNormLayer
{
    /// <summary>Up to this many per-channel doubles of scratch go on the stack (8 KB).</summary>
    private const int StackScratchLimit = 1024;

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

    /// <summary>
    /// The current state without copying its arrays: a state's arrays are only ever replaced, never written in place,
    /// while they belong to it (<see cref="LayerStates.ForMovingUpdate"/>), so what this returns keeps its values
    /// whatever the layer does next. Only its counters and its list of pending updates are its own. The caller must
    /// not write into the arrays (the service stores it: a write per training step, without a copy of the state).
    /// </summary>
    public LayerState CaptureSharedState() => LayerStates.Shared(_state);

    /// <summary>Training-mode forward: normalize with the batch statistics and update (or queue) the moving ones.</summary>
    /// <param name="shape">Rank 2..5; the channel axis (per data_format) must equal channels.</param>
    /// <param name="input">shape.ElementCount finite values.</param>
    /// <param name="output">
    /// Receives shape.ElementCount values. It may be <paramref name="input"/> itself (the same values, not a part of
    /// them): the batch is then overwritten with the answer, each value read before its place is written, and the
    /// results are the same. Otherwise it may not overlap input. On an exception its content, and then the input's,
    /// is undefined.
    /// </param>
    /// <param name="batchWeights">Empty: none. Otherwise shape[0] finite, non-negative weights (TF batch_weights).</param>
    public TrainResult Train(TensorShape shape, ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<float> batchWeights = default)
    {
        var layout = LayerInputs.Layout(Config, shape);
        shape.EnsureLength(input.Length, "input");
        LayerInputs.Destination(shape, output.Length, nameof(output));
        LayerInputs.SameOrApart(input, output, nameof(output));
        var weighted = !batchWeights.IsEmpty;
        if (weighted)
        {
            LayerInputs.BatchWeights(shape, batchWeights);
        }

        EnsureTrainableBatch(shape, layout);

        var c = Config.Channels;
        var mean = new double[c];
        var variance = new double[c];
        if (weighted)
        {
            ChannelKernels.WeightedMoments(input, layout, batchWeights, layout.Outer / shape[0], mean, variance);
        }
        else
        {
            ChannelKernels.Moments(input, layout, mean, variance);
        }

        LayerInputs.FiniteUnless(LayerInputs.AllFinite(mean), input, "input");
        LayerResults.PerChannel(variance, "batch_variance", "input");

        // Per-channel temporaries live on the stack (or in the pool for many channels); only what a deferred
        // update keeps is allocated.
        var deferred = Config.Updates == UpdateMode.Deferred;
        double[]? rented = null;
        var scratch = 4 * c <= StackScratchLimit ? stackalloc double[4 * c] : (rented = ArrayPool<double>.Shared.Rent(4 * c)).AsSpan(0, 4 * c);
        try
        {
            var stddev = deferred ? new double[c] : scratch[..c];
            var forMoving = deferred ? new double[c] : scratch.Slice(c, c);
            var scale = scratch.Slice(2 * c, c);
            StddevOf(variance, stddev);
            var shift = TrainingAffine(mean, stddev, scale, scratch.Slice(3 * c, c));
            if (!weighted && OutputBound.ProvesFinite(mean, variance, layout.PerChannel, scale, shift))
            {
                // The usual batch: its statistics prove the output finite, so it needs no check.
                ChannelKernels.Affine(input, output, layout, mean, scale, shift);
                ActivationFunctions.Apply(Config.Activation, output);
            }
            else
            {
                Forward(input, output, layout, mean, scale, shift, inputMayBeBad: false);
            }

            VarianceBias.ForMovingVariance(variance, layout.PerChannel, VarianceBias.IsUnbiased(Config, shape.Rank, weighted), forMoving);
            LayerResults.PerChannel(forMoving, "the variance for moving_variance", "input");
            LayerResults.PerChannel(stddev, "the batch stddev", "input");
            if (deferred)
            {
                // The returned mean belongs to the caller: the queue keeps its own copy.
                _state.Pending.Add(new PendingUpdate((double[])mean.Clone(), forMoving.ToArray(), stddev.ToArray()));
            }
            else
            {
                // The update goes to a copy that replaces the state only once every value in it is finite.
                var next = LayerStates.ForMovingUpdate(Config, _state);
                MovingStatistics.Apply(Config, next, mean, forMoving, stddev);
                LayerResults.MovingStatistics(next, "input");
                _state = next;
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<double>.Shared.Return(rented);
            }
        }

        _state.Step++;
        _state.Version++;
        return new TrainResult(mean, variance, _state.Step, _state.Pending.Count);
    }

    /// <summary>Inference-mode forward with the moving statistics. Reads state only.</summary>
    public void Infer(TensorShape shape, ReadOnlySpan<float> input, Span<float> output)
    {
        var c = Config.Channels;
        var state = _state;
        double[]? rented = null;
        var scale = c <= StackScratchLimit ? stackalloc double[c] : (rented = ArrayPool<double>.Shared.Rent(c)).AsSpan(0, c);
        try
        {
            LayerInference.Scale(Config, state.Gamma, state.MovingVariance, scale);
            LayerInference.Run(Config, shape, input, output, state.MovingMean, scale, state.Beta);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<double>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// The inference of the current state, for readers that must not see a later change half done: it copies what
    /// inference reads, so it stays as it is while this layer changes, and any number of threads may use it at once.
    /// </summary>
    public LayerInference CaptureInference() => new(Config, _state);

    private void Forward(ReadOnlySpan<float> input, Span<float> output, ChannelLayout layout,
        ReadOnlySpan<double> mean, ReadOnlySpan<double> scale, ReadOnlySpan<double> shift, bool inputMayBeBad) =>
        LayerInference.Forward(Config, input, output, layout, mean, scale, shift, inputMayBeBad);

    /// <summary>
    /// Gradients of sum(gradOutput * y) (bn-math.md §9.4, through the activation and renorm's r and d as constants).
    /// With <paramref name="learningRate"/> and trainable, gamma and beta take one SGD step.
    /// </summary>
    public BackwardResult Backward(TensorShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradInput,
        bool isTraining, double? learningRate)
    {
        var layout = LayerInputs.Layout(Config, shape);
        shape.EnsureLength(input.Length, "input");
        shape.EnsureLength(gradOutput.Length, "grad_output");
        LayerInputs.Destination(shape, gradInput.Length, nameof(gradInput));
        if (learningRate is { } rate)
        {
            LayerInputs.LearningRate(rate);
        }

        if (isTraining)
        {
            EnsureTrainableBatch(shape, layout);
        }

        var c = Config.Channels;
        double[] mean, stddev, r, d;
        (double[], double[])? backwardSums = null;
        if (isTraining)
        {
            mean = new double[c];
            var variance = new double[c];
            if (Config.Activation == Activation.None)
            {
                // One pass over input and grad_output gives the batch statistics and the backward sums.
                var sums = (new double[c], new double[c]);
                ChannelKernels.MomentsAndBackwardSums(input, gradOutput, layout, mean, variance, sums.Item1, sums.Item2);
                backwardSums = sums;
            }
            else
            {
                ChannelKernels.Moments(input, layout, mean, variance);
            }

            LayerInputs.FiniteUnless(LayerInputs.AllFinite(mean), input, "input");
            stddev = Stddev(variance);
            (r, d) = Config.Renorm ? Renormalization.Correction(Config, _state, mean, stddev) : (Filled(c, 1), new double[c]);
        }
        else
        {
            mean = _state.MovingMean;
            stddev = Stddev(_state.MovingVariance);
            (r, d) = (Filled(c, 1), new double[c]);
        }

        var (gradGamma, gradBeta, gradInputFinite) = GradientPass.Run(Config.Activation, layout, input, gradOutput, gradInput,
            _state.Gamma, _state.Beta, mean, stddev, r, d, batchStatistics: isTraining, backwardSums);
        if (!gradInputFinite)
        {
            // Only a pass that did not watch its output, or one that saw a non-finite value, needs the scan.
            LayerResults.Tensor(gradInput, "grad_input", "grad_output");
        }
        LayerResults.PerChannel(gradGamma, "grad_gamma", "grad_output");
        LayerResults.PerChannel(gradBeta, "grad_beta", "grad_output");
        var loss = 0.0;
        if (Config.Scale)
        {
            loss += Regularized(Config.ParamRegularizers.Gamma, _state.Gamma, gradGamma, "gamma");
        }

        if (Config.Center)
        {
            loss += Regularized(Config.ParamRegularizers.Beta, _state.Beta, gradBeta, "beta");
        }

        LayerResults.Scalar(loss, "regularization_loss", "param_regularizers");

        if (learningRate is { } lr && Config.Trainable)
        {
            ApplySgd(lr, gradGamma, gradBeta);
        }

        return new BackwardResult(gradGamma, gradBeta, loss);
    }

    /// <summary>Applies the deferred updates in arrival order (to a copy that replaces the state once it is checked).</summary>
    /// <exception cref="NonFiniteResultException">A moving statistic would not be finite; nothing changed.</exception>
    public void Commit()
    {
        if (_state.Pending.Count == 0)
        {
            return;
        }

        var next = LayerStates.Copy(_state, withPending: false);
        foreach (var update in _state.Pending)
        {
            MovingStatistics.Apply(Config, next, update.Mean, update.Variance, update.Stddev);
        }

        LayerResults.MovingStatistics(next, "commit");
        next.Version++;
        _state = next;
    }

    /// <summary>Back to the initializers, step 0, no pending updates.</summary>
    public void Reset() => _state = LayerStates.Initial(Config, _state.Version + 1);

    /// <summary>PyTorch refuses to train on one value per channel (bn-math.md §9.2); the other conventions accept it.</summary>
    private void EnsureTrainableBatch(TensorShape shape, ChannelLayout layout)
    {
        if (Config.Convention == Convention.PyTorch && layout.PerChannel == 1)
        {
            throw new InvalidShapeException("input.shape",
                $"expected more than 1 value per channel when training (pytorch convention), got input shape {shape}");
        }
    }

    /// <summary>Fills <paramref name="scale"/> and returns the shift: beta itself, or <paramref name="shiftBuffer"/> under renorm.</summary>
    private ReadOnlySpan<double> TrainingAffine(double[] mean, ReadOnlySpan<double> stddev, Span<double> scale, Span<double> shiftBuffer)
    {
        if (Config.Renorm)
        {
            var (r, d) = Renormalization.Correction(Config, _state, mean, stddev);
            AffineCoefficients.Fill(_state.Gamma, _state.Beta, stddev, r, d, scale, shiftBuffer);
            return shiftBuffer;
        }

        TensorPrimitives.Divide(_state.Gamma, stddev, scale);
        return _state.Beta;
    }

    /// <summary>w -= learning_rate * grad for gamma (with scale) and beta (with center); rejected if a result is not finite.</summary>
    private void ApplySgd(double learningRate, double[] gradGamma, double[] gradBeta)
    {
        if (!Config.Scale && !Config.Center)
        {
            return;
        }

        var gamma = Config.Scale ? Step(_state.Gamma, gradGamma, learningRate) : _state.Gamma;
        var beta = Config.Center ? Step(_state.Beta, gradBeta, learningRate) : _state.Beta;
        _state.Gamma = gamma;
        _state.Beta = beta;
        _state.Version++;
    }

    /// <summary>The parameters after one step; they must stay within float32's range, as their initializers do.</summary>
    private static double[] Step(double[] weights, double[] gradient, double learningRate)
    {
        var result = new double[weights.Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = weights[i] - learningRate * gradient[i];
            if (!Float32Range.Contains(result[i]))
            {
                throw new InvalidOptionException("apply.learning_rate",
                    $"this step would take gamma or beta outside float32's range (magnitude at most {Float32Range.MaxMagnitude:R}); use a smaller learning_rate");
            }
        }

        return result;
    }

    /// <summary>Adds a regularizer's gradient and returns its loss; both must be finite.</summary>
    private static double Regularized(L1L2? regularizer, double[] weights, double[] gradient, string parameter)
    {
        var field = "param_regularizers." + parameter;
        var loss = Regularization.AddTo(regularizer, weights, gradient);
        LayerResults.Scalar(loss, $"the regularization loss of {parameter}", field);
        LayerResults.PerChannel(gradient, "grad_" + parameter, field);
        return loss;
    }

    private double[] Stddev(ReadOnlySpan<double> variance)
    {
        var result = new double[variance.Length];
        StddevOf(variance, result);
        return result;
    }

    private void StddevOf(ReadOnlySpan<double> variance, Span<double> stddev) => LayerInference.Stddev(Config, variance, stddev);

    private static double[] Filled(int count, double value)
    {
        var result = new double[count];
        Array.Fill(result, value);
        return result;
    }
}
