using System.Numerics.Tensors;
using BnEngine.Kernels;

namespace BnEngine;

/// <summary>
/// A layer's inference at one state (<see cref="BatchNormLayer.CaptureInference"/>): the moving mean, beta and
/// gamma / sqrt(moving_variance + epsilon), copied when it is taken. Nothing changes it afterwards, so any number of
/// threads may run it at once, each seeing that one state. Its results are bit for bit those of
/// <see cref="BatchNormLayer.Infer"/> at the same state.
/// </summary>
public sealed class LayerInference
{
    private readonly LayerConfig _config;
    private readonly double[] _mean;
    private readonly double[] _scale;
    private readonly double[] _shift;

    internal LayerInference(LayerConfig config, LayerState state)
    {
        _config = config;
        _mean = (double[])state.MovingMean.Clone();
        _shift = (double[])state.Beta.Clone();
        _scale = new double[config.Channels];
        Scale(config, state.Gamma, state.MovingVariance, _scale);
    }

    /// <summary>Inference-mode forward: what <see cref="BatchNormLayer.Infer"/> computes, at the captured state.</summary>
    public void Infer(TensorShape shape, ReadOnlySpan<float> input, Span<float> output) =>
        Run(_config, shape, input, output, _mean, _scale, _shift);

    /// <summary>gamma / sqrt(variance + epsilon), per channel.</summary>
    internal static void Scale(LayerConfig config, ReadOnlySpan<double> gamma, ReadOnlySpan<double> variance, Span<double> scale)
    {
        Stddev(config, variance, scale);
        TensorPrimitives.Divide(gamma, scale, scale);
    }

    /// <summary>sqrt(variance + epsilon), per channel.</summary>
    internal static void Stddev(LayerConfig config, ReadOnlySpan<double> variance, Span<double> stddev)
    {
        TensorPrimitives.Add(variance, config.Epsilon, stddev);
        TensorPrimitives.Sqrt(stddev, stddev);
    }

    /// <summary>Checks the shapes, then the inference forward with these per-channel coefficients.</summary>
    internal static void Run(LayerConfig config, TensorShape shape, ReadOnlySpan<float> input, Span<float> output,
        ReadOnlySpan<double> mean, ReadOnlySpan<double> scale, ReadOnlySpan<double> shift)
    {
        var layout = LayerInputs.Layout(config, shape);
        shape.EnsureLength(input.Length, "input");
        LayerInputs.Destination(shape, output.Length, nameof(output));
        Forward(config, input, output, layout, mean, scale, shift, inputMayBeBad: true);
    }

    /// <summary>
    /// output = activation((input - mean) * scale + shift), checked: a non-finite input (possible only with
    /// <paramref name="inputMayBeBad"/>) or a non-finite affine result or output throws. The check runs on each
    /// block while it is in the cache (<see cref="FiniteCheckedAffine"/>).
    /// </summary>
    internal static void Forward(LayerConfig config, ReadOnlySpan<float> input, Span<float> output, ChannelLayout layout,
        ReadOnlySpan<double> mean, ReadOnlySpan<double> scale, ReadOnlySpan<double> shift, bool inputMayBeBad)
    {
        var index = FiniteCheckedAffine.Run(input, output, layout, mean, scale, shift, config.Activation);
        if (index < 0)
        {
            return;
        }

        // A bad input shows in the output too; it is the better message.
        LayerInputs.FiniteUnless(!inputMayBeBad, input, "input");
        throw LayerResults.TensorOverflow("the output", index, output[(int)index], "input");
    }
}
