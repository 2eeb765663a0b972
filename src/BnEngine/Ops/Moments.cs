using BnEngine.Kernels;

namespace BnEngine;

/// <summary>Result of <see cref="Moments.Compute"/>.</summary>
public sealed record MomentsResult(Tensor Mean, Tensor Variance);

/// <summary><c>tf.nn.moments</c> and <c>tf.nn.weighted_moments</c> (bn-math.md §3), stateless.</summary>
public static class Moments
{
    /// <summary>
    /// Mean and biased variance of <paramref name="input"/> over <paramref name="axes"/>, two-pass with double
    /// accumulation (the variance is exact for float32 data far from zero, e.g. around 1e4 with std 1).
    /// With <paramref name="frequencyWeights"/> (broadcastable to the input), the weighted form.
    /// <paramref name="shift"/> is accepted and, like TF, does not change the result.
    /// </summary>
    /// <remarks>
    /// <list type="bullet">
    /// <item><paramref name="axes"/>: distinct axes in [-rank, rank); negative axes count from the end as in TF.
    /// An empty list reduces nothing (mean = input, variance = 0).</item>
    /// <item><paramref name="keepDims"/>: reduced axes stay with size 1; otherwise they are removed, and reducing
    /// every axis gives rank-0 (scalar) results.</item>
    /// <item><paramref name="frequencyWeights"/>: NumPy/TF broadcasting onto the input's shape (right-aligned,
    /// each dimension 1 or equal; it may not enlarge the result). Every broadcast copy counts in the sum of
    /// weights, e.g. a per-example weight w_b of an NHWC batch contributes w_b*H*W. mean = sum(w*x)/sum(w),
    /// variance = sum(w*(x - mean)^2)/sum(w), biased. Where sum(w) is 0 (for example all weights 0) the mean
    /// and variance are 0: TF2's <c>div_no_nan</c>, not TF1.15's NaN. Weights are not otherwise restricted
    /// (TF accepts negative ones).</item>
    /// <item><paramref name="shift"/>: ignored, like TF ("the true mean is computed and used").</item>
    /// </list>
    /// </remarks>
    /// <exception cref="InvalidShapeException">The data length does not match a shape, or the weights do not broadcast.</exception>
    /// <exception cref="InvalidOptionException">An axis is out of range or repeated.</exception>
    /// <exception cref="NonFiniteInputException">The input or the weights hold NaN or an infinity, or a result overflows float32.</exception>
    public static MomentsResult Compute(Tensor input, IReadOnlyList<int> axes, bool keepDims, Tensor? frequencyWeights = null, double? shift = null)
    {
        _ = shift;
        var x = OpInputs.FiniteData(input, "input");
        var shape = input.Shape;
        var reduced = ReducedAxes(axes, shape.Rank);
        var weightData = ReadOnlySpan<float>.Empty;
        int[]? weightStrides = null;
        if (frequencyWeights is not null)
        {
            weightData = OpInputs.FiniteData(frequencyWeights, "frequency_weights");
            weightStrides = Broadcasting.Strides(frequencyWeights.Shape, shape, "frequency_weights", "input");
        }

        var outShape = ResultShape(shape, reduced, keepDims);
        var mean = new double[outShape.ElementCount];
        var variance = new double[outShape.ElementCount];
        if (weightStrides is null && KeptBlock(shape, reduced) is { } layout)
        {
            ChannelKernels.Moments(x, layout, mean, variance);
        }
        else
        {
            StridedMoments(x, shape, reduced, weightData, weightStrides, mean, variance);
        }

        return new MomentsResult(ToTensor(mean, outShape, "mean"), ToTensor(variance, outShape, "variance"));
    }

    private static bool[] ReducedAxes(IReadOnlyList<int>? axes, int rank)
    {
        if (axes is null)
        {
            throw new InvalidOptionException("axes", "axes is required");
        }

        var reduced = new bool[rank];
        foreach (var given in axes)
        {
            if (given < -rank || given >= rank)
            {
                throw new InvalidOptionException("axes", $"axis {given} is out of range for an input of rank {rank} (valid: {-rank} to {rank - 1})");
            }

            var axis = given < 0 ? given + rank : given;
            if (reduced[axis])
            {
                throw new InvalidOptionException("axes", $"axes name axis {axis} more than once");
            }

            reduced[axis] = true;
        }

        return reduced;
    }

    private static TensorShape ResultShape(TensorShape shape, bool[] reduced, bool keepDims)
    {
        var dims = new List<int>(shape.Rank);
        for (var axis = 0; axis < shape.Rank; axis++)
        {
            if (!reduced[axis])
            {
                dims.Add(shape[axis]);
            }
            else if (keepDims)
            {
                dims.Add(1);
            }
        }

        return TensorShape.Create(dims, "input", minRank: 0);
    }

    /// <summary>The [Outer, Channels, Inner] view when the kept axes are one contiguous block; otherwise null.</summary>
    private static ChannelLayout? KeptBlock(TensorShape shape, bool[] reduced)
    {
        var first = Array.IndexOf(reduced, false);
        if (first < 0)
        {
            return new ChannelLayout(1, 1, shape.ElementCount);
        }

        var last = Array.LastIndexOf(reduced, false);
        int outer = 1, channels = 1, inner = 1;
        for (var axis = 0; axis < shape.Rank; axis++)
        {
            if (axis < first)
            {
                outer *= shape[axis];
            }
            else if (axis > last)
            {
                inner *= shape[axis];
            }
            else if (reduced[axis])
            {
                return null;
            }
            else
            {
                channels *= shape[axis];
            }
        }

        return new ChannelLayout(outer, channels, inner);
    }

    /// <summary>Two-pass (weighted) moments for any set of axes, double accumulators, one output per kept index.</summary>
    private static void StridedMoments(ReadOnlySpan<float> x, TensorShape shape, bool[] reduced, ReadOnlySpan<float> weights, int[]? weightStrides,
        Span<double> mean, Span<double> variance)
    {
        var rank = shape.Rank;
        var inputStrides = new int[rank];
        var outStrides = new int[rank];
        int inputStride = 1, outStride = 1;
        for (var axis = rank - 1; axis >= 0; axis--)
        {
            inputStrides[axis] = inputStride;
            inputStride *= shape[axis];
            if (!reduced[axis])
            {
                outStrides[axis] = outStride;
                outStride *= shape[axis];
            }
        }

        var weighted = weightStrides is not null;
        var rows = new StridedRows(shape.Dims, inputStrides, outStrides, weightStrides ?? new int[rank]);
        var os = rows.LastStride(1);
        var ws = rows.LastStride(2);
        var len = rows.RowLength;
        var sum = new double[mean.Length];
        var sumW = new double[mean.Length];
        for (var r = 0; r < rows.RowCount; r++, rows.Advance())
        {
            int xo = rows.Offsets[0], oo = rows.Offsets[1], wo = rows.Offsets[2];
            for (var j = 0; j < len; j++)
            {
                double w = weighted ? weights[wo + j * ws] : 1.0;
                sum[oo + j * os] += w * x[xo + j];
                sumW[oo + j * os] += w;
            }
        }

        for (var o = 0; o < mean.Length; o++)
        {
            mean[o] = sumW[o] == 0 ? 0 : sum[o] / sumW[o];
        }

        Array.Clear(sum);
        rows.Reset();
        for (var r = 0; r < rows.RowCount; r++, rows.Advance())
        {
            int xo = rows.Offsets[0], oo = rows.Offsets[1], wo = rows.Offsets[2];
            for (var j = 0; j < len; j++)
            {
                double w = weighted ? weights[wo + j * ws] : 1.0;
                var d = x[xo + j] - mean[oo + j * os];
                sum[oo + j * os] += w * d * d;
            }
        }

        for (var o = 0; o < variance.Length; o++)
        {
            variance[o] = sumW[o] == 0 ? 0 : sum[o] / sumW[o];
        }
    }

    private static Tensor ToTensor(double[] values, TensorShape shape, string name)
    {
        var data = new float[values.Length];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)values[i];
            if (!float.IsFinite(data[i]))
            {
                throw new NonFiniteInputException("input", $"the {name} at index {i} ({values[i]:R}) overflows float32; the input values are too large");
            }
        }

        return new Tensor(shape, data);
    }
}
