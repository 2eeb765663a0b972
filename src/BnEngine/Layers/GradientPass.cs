using System.Buffers;
using System.Numerics.Tensors;
using BnEngine.Activations;
using BnEngine.Kernels;

namespace BnEngine;

/// <summary>
/// The gradients of sum(grad_output * y) for one normalization (bn-math.md §9.4), through the activation, with
/// renorm's r and d as constants. Regularizers are not included.
/// </summary>
internal static class GradientPass
{
    /// <summary>
    /// Writes dx to <paramref name="gradInput"/> and returns dgamma, dbeta and whether dx is known finite (true only
    /// when the pass that wrote dx saw every value finite; false means "not known": the caller scans it). <paramref name="mean"/>,
    /// <paramref name="stddev"/>, <paramref name="r"/> and <paramref name="d"/> describe the normalization; with
    /// <paramref name="batchStatistics"/> they are the input's own batch statistics, so dx also flows through them.
    /// </summary>
    /// <exception cref="NonFiniteInputException">input or grad_output holds NaN or an infinity.</exception>
    /// <exception cref="NonFiniteResultException">Finite inputs whose gradient sums are not finite.</exception>
    public static (double[] GradGamma, double[] GradBeta, bool GradInputFinite) Run(Activation activation, ChannelLayout layout,
        ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradInput,
        ReadOnlySpan<double> gamma, ReadOnlySpan<double> beta, ReadOnlySpan<double> mean, ReadOnlySpan<double> stddev,
        ReadOnlySpan<double> r, ReadOnlySpan<double> d, bool batchStatistics, (double[] SumDy, double[] SumDyXmu)? backwardSums = null)
    {
        var c = layout.Channels;
        var count = input.Length;
        // Without an activation the caller may have computed the sums together with the batch statistics.
        var (sumDy, sumDyXmu) = activation == Activation.None && backwardSums is { } given ? given : (new double[c], new double[c]);
        float[]? scratch = null;
        try
        {
            Span<float> low = default;
            ReadOnlySpan<float> gradZ = gradOutput;
            if (activation != Activation.None)
            {
                // The gradient reaching the affine step: grad_output times the activation's derivative at the
                // pre-activation, kept as a float pair hi + lo; every step below is linear in it.
                scratch = ArrayPool<float>.Shared.Rent(2 * count);
                var high = scratch.AsSpan(0, count);
                low = scratch.AsSpan(count, count);
                var scale = new double[c];
                var shift = new double[c];
                AffineCoefficients.Fill(gamma, beta, stddev, r, d, scale, shift);
                ChannelKernels.Affine(input, high, layout, mean, scale, shift);
                ActivationFunctions.ChainGradient(activation, high, gradOutput, low);
                gradZ = high;
            }

            if (activation != Activation.None || backwardSums is null)
            {
                ChannelKernels.BackwardSums(input, gradZ, layout, mean, sumDy, sumDyXmu);
            }

            if (!low.IsEmpty)
            {
                var lowSumDy = new double[c];
                var lowSumDyXmu = new double[c];
                ChannelKernels.BackwardSums(input, low, layout, mean, lowSumDy, lowSumDyXmu);
                TensorPrimitives.Add(sumDy, lowSumDy, sumDy);
                TensorPrimitives.Add(sumDyXmu, lowSumDyXmu, sumDyXmu);
            }

            if (!LayerInputs.AllFinite(sumDy) || !LayerInputs.AllFinite(sumDyXmu))
            {
                LayerInputs.FiniteUnless(false, input, "input");
                LayerInputs.FiniteUnless(false, gradOutput, "grad_output");
                // Finite inputs: the gradient reaching the affine step overflowed float32 on the way.
                throw new NonFiniteResultException("grad_output",
                    "the gradient of the normalized values is not finite: with this grad_output and input and the layer's parameters it " +
                    $"leaves float32's range (magnitude at most {float.MaxValue:R}); nothing changed");
            }

            var n = (double)layout.PerChannel;
            var a = new double[c];
            var b = new double[c];
            var k = new double[c];
            var gradGamma = new double[c];
            for (var i = 0; i < c; i++)
            {
                var inv = 1 / stddev[i];
                var g = gamma[i] * r[i];
                a[i] = g * inv;
                if (batchStatistics)
                {
                    // dx = g*inv*(dz - mean(dz) - (x-mean)*inv^2*mean(dz*(x-mean)))
                    b[i] = -g * inv * inv * inv * sumDyXmu[i] / n;
                    k[i] = -g * inv * sumDy[i] / n;
                }

                gradGamma[i] = r[i] * inv * sumDyXmu[i] + d[i] * sumDy[i];
            }

            var finite = ChannelKernels.BackwardInput(input, gradZ, gradInput, layout, mean, a, b, k);
            if (!low.IsEmpty)
            {
                // dx += lo * a; the high half is free to receive it.
                var lowPart = scratch.AsSpan(0, count);
                ChannelKernels.BackwardInput(input, low, lowPart, layout, mean, a, new double[c], new double[c]);
                TensorPrimitives.Add(gradInput, lowPart, gradInput);
                finite = false;
            }

            return (gradGamma, sumDy, finite);
        }
        finally
        {
            if (scratch is not null)
            {
                ArrayPool<float>.Shared.Return(scratch);
            }
        }
    }
}
