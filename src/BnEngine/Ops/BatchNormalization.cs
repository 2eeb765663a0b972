using System.Buffers;
using BnEngine.Kernels;

namespace BnEngine;

/// <summary><c>tf.nn.batch_normalization</c> (bn-math.md §2), stateless, TF's exact order of operations.</summary>
public static class BatchNormalization
{
    /// <summary>
    /// y = x*inv + (offset - mean*inv), inv = rsqrt(variance + eps) * scale. mean, variance, offset and scale
    /// either broadcast against x (same rank) or are 1-D over the last axis; offset and scale are optional.
    /// </summary>
    /// <remarks>
    /// The parameters follow NumPy/TF broadcasting onto x's shape (right-aligned, each dimension 1 or equal; a
    /// parameter may not enlarge the result), which covers both documented forms. inv and the per-element
    /// offset term are computed in double and rounded to float32 (TF computes them in the parameters' dtype and
    /// then casts to x's), then y = x*inv + b runs in float32: TF's order, so for |mean| much larger than the
    /// standard deviation the result carries float32 cancellation exactly as TF's does (bn-math.md T11).
    /// </remarks>
    /// <exception cref="InvalidShapeException">A data length does not match its shape, or a parameter does not broadcast to x.</exception>
    /// <exception cref="InvalidOptionException">variance_epsilon is negative or not finite, or variance + variance_epsilon is not positive somewhere.</exception>
    /// <exception cref="NonFiniteInputException">An input holds NaN or an infinity, or the output overflows float32.</exception>
    public static Tensor Compute(Tensor x, Tensor mean, Tensor variance, Tensor? offset, Tensor? scale, double varianceEpsilon)
    {
        // A null x is refused by the checks inside, as before.
        var y = new float[x?.Data.Length ?? 0];
        Compute(x!, mean, variance, offset, scale, varianceEpsilon, y);
        return new Tensor(x!.Shape, y);
    }

    /// <summary>
    /// As <see cref="Compute(Tensor, Tensor, Tensor, Tensor?, Tensor?, double)"/>, with y written into
    /// <paramref name="output"/> (x's element count of values; a caller's reused buffer), which holds no result when
    /// this throws.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="output"/> is not x's element count long.</exception>
    public static void Compute(Tensor x, Tensor mean, Tensor variance, Tensor? offset, Tensor? scale, double varianceEpsilon, Span<float> output)
    {
        var xs = OpInputs.FiniteData(x, "x");
        var shape = x.Shape;
        var parameters = new List<Parameter>(4)
        {
            Parameter.Of(mean, shape, "mean"),
            Parameter.Of(variance, shape, "variance"),
        };
        var hasOffset = offset is not null;
        var hasScale = scale is not null;
        if (hasOffset)
        {
            parameters.Add(Parameter.Of(offset!, shape, "offset"));
        }

        if (hasScale)
        {
            parameters.Add(Parameter.Of(scale!, shape, "scale"));
        }

        if (!double.IsFinite(varianceEpsilon) || varianceEpsilon < 0)
        {
            throw new InvalidOptionException("variance_epsilon", $"variance_epsilon is {varianceEpsilon}; it must be finite and at least 0");
        }

        // The per-element parameters live on the broadcast of all parameter shapes: only the axes some parameter varies along.
        var rank = shape.Rank;
        var paramDims = new int[rank];
        for (var axis = 0; axis < rank; axis++)
        {
            paramDims[axis] = parameters.Exists(p => p.Strides[axis] != 0) ? shape[axis] : 1;
        }

        var count = 1;
        foreach (var d in paramDims)
        {
            count *= d;
        }

        // a and b for each parameter element: as many as x's values when a parameter has x's full shape, so pooled.
        var coefficients = ArrayPool<float>.Shared.Rent(2 * count);
        try
        {
            var a = coefficients.AsSpan(0, count);
            var b = coefficients.AsSpan(count, count);
            var rows = new StridedRows(paramDims, parameters.ConvertAll(p => p.Strides).ToArray());
            var k = 0;
            for (var r = 0; r < rows.RowCount; r++, rows.Advance())
            {
                for (var j = 0; j < rows.RowLength; j++, k++)
                {
                    double Value(int i) => parameters[i].Data.Span[rows.Offsets[i] + j * rows.LastStride(i)];
                    var v = Value(1);
                    if (!(v + varianceEpsilon > 0))
                    {
                        throw new InvalidOptionException("variance",
                            $"variance + variance_epsilon must be positive; variance holds {(float)v} at index {rows.Offsets[1] + j * rows.LastStride(1)} with variance_epsilon {varianceEpsilon}");
                    }

                    var inv = 1.0 / Math.Sqrt(v + varianceEpsilon);
                    if (hasScale)
                    {
                        inv *= Value(parameters.Count - 1);
                    }

                    var shift = (hasOffset ? Value(2) : 0.0) - Value(0) * inv;
                    a[k] = (float)inv;
                    b[k] = (float)shift;
                    if (!float.IsFinite(a[k]) || !float.IsFinite(b[k]))
                    {
                        throw new InvalidOptionException("variance",
                            $"rsqrt(variance + variance_epsilon) overflows float32 at index {rows.Offsets[1] + j * rows.LastStride(1)}; variance + variance_epsilon is too small");
                    }
                }
            }

            if (output.Length != xs.Length)
            {
                throw new ArgumentException($"the output holds {output.Length} values; x has {xs.Length}", nameof(output));
            }

            var y = output;
            if (VaryingBlock(shape, paramDims) is { } layout)
            {
                ChannelKernels.MultiplyAdd(xs, y, layout, a, b);
            }
            else
            {
                StridedMultiplyAdd(xs, y, shape, paramDims, a, b);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(coefficients);
        }

        var bad = FiniteScan.FirstNonFinite(output);
        if (bad >= 0)
        {
            throw new NonFiniteInputException("x", $"the output overflows float32 at index {bad}; x is too large for this normalization");
        }
    }

    /// <summary>The [Outer, Channels, Inner] view when the parameters vary along one contiguous block of axes; otherwise null.</summary>
    private static ChannelLayout? VaryingBlock(TensorShape shape, int[] paramDims)
    {
        int first = -1, last = -1;
        for (var axis = 0; axis < paramDims.Length; axis++)
        {
            if (paramDims[axis] != 1)
            {
                first = first < 0 ? axis : first;
                last = axis;
            }
        }

        if (first < 0)
        {
            return new ChannelLayout(1, 1, shape.ElementCount);
        }

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
            else if (paramDims[axis] != shape[axis])
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

    private static void StridedMultiplyAdd(ReadOnlySpan<float> x, Span<float> y, TensorShape shape, int[] paramDims, ReadOnlySpan<float> a,
        ReadOnlySpan<float> b)
    {
        var rank = shape.Rank;
        var inputStrides = new int[rank];
        var paramStrides = new int[rank];
        int inputStride = 1, paramStride = 1;
        for (var axis = rank - 1; axis >= 0; axis--)
        {
            inputStrides[axis] = inputStride;
            inputStride *= shape[axis];
            paramStrides[axis] = paramDims[axis] == 1 ? 0 : paramStride;
            paramStride *= paramDims[axis];
        }

        var rows = new StridedRows(shape.Dims, inputStrides, paramStrides);
        var ps = rows.LastStride(1);
        for (var r = 0; r < rows.RowCount; r++, rows.Advance())
        {
            int xo = rows.Offsets[0], po = rows.Offsets[1];
            for (var j = 0; j < rows.RowLength; j++)
            {
                var p = po + j * ps;
                y[xo + j] = x[xo + j] * a[p] + b[p];
            }
        }
    }

    private sealed record Parameter(ReadOnlyMemory<float> Data, int[] Strides)
    {
        public static Parameter Of(Tensor tensor, TensorShape target, string field)
        {
            ArgumentNullException.ThrowIfNull(tensor, field);
            OpInputs.FiniteData(tensor, field);
            return new Parameter(tensor.Data, Broadcasting.Strides(tensor.Shape, target, field, "x"));
        }
    }
}
