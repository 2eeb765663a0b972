namespace BnEngine.Tests.Ops;

/// <summary>Straightforward float64 references of tf.nn.moments / weighted_moments / batch_normalization.</summary>
internal static class OpsReference
{
    public static int[] Index(int flat, int[] dims)
    {
        var index = new int[dims.Length];
        for (var axis = dims.Length - 1; axis >= 0; axis--)
        {
            index[axis] = flat % dims[axis];
            flat /= dims[axis];
        }

        return index;
    }

    /// <summary>Flat offset of <paramref name="index"/> (of a tensor with the target's rank) in a broadcast operand.</summary>
    public static int BroadcastOffset(int[] index, int[] operandDims)
    {
        var offset = 0;
        var shift = index.Length - operandDims.Length;
        for (var axis = 0; axis < operandDims.Length; axis++)
        {
            var i = operandDims[axis] == 1 ? 0 : index[axis + shift];
            offset = offset * operandDims[axis] + i;
        }

        return offset;
    }

    public static (double[] Mean, double[] Variance, int[] Dims) Moments(float[] x, int[] dims, int[] axes, bool keepDims,
        float[]? w = null, int[]? wDims = null)
    {
        var reduced = new bool[dims.Length];
        foreach (var a in axes)
        {
            reduced[a < 0 ? a + dims.Length : a] = true;
        }

        var keptDims = dims.Select((d, i) => reduced[i] ? 1 : d).ToArray();
        var count = keptDims.Aggregate(1, (p, d) => p * d);
        var sum = new double[count];
        var sumW = new double[count];
        var sq = new double[count];
        for (var pass = 0; pass < 2; pass++)
        {
            var mean = sum.Select((s, o) => sumW[o] == 0 ? 0 : s / sumW[o]).ToArray();
            for (var i = 0; i < x.Length; i++)
            {
                var index = Index(i, dims);
                var o = BroadcastOffset(index, keptDims);
                double wv = w is null ? 1 : w[BroadcastOffset(index, wDims!)];
                if (pass == 0)
                {
                    sum[o] += wv * x[i];
                    sumW[o] += wv;
                }
                else
                {
                    sq[o] += wv * (x[i] - mean[o]) * (x[i] - mean[o]);
                }
            }

            if (pass == 1)
            {
                var variance = sq.Select((s, o) => sumW[o] == 0 ? 0 : s / sumW[o]).ToArray();
                var outDims = keepDims ? keptDims : dims.Where((_, i) => !reduced[i]).ToArray();
                return (mean, variance, outDims);
            }
        }

        throw new InvalidOperationException();
    }

    public static double[] BatchNormalization(float[] x, int[] dims, (float[] Data, int[] Dims) mean, (float[] Data, int[] Dims) variance,
        (float[] Data, int[] Dims)? offset, (float[] Data, int[] Dims)? scale, double eps)
    {
        var y = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            var index = Index(i, dims);
            double P((float[] Data, int[] Dims) p) => p.Data[BroadcastOffset(index, p.Dims)];
            var inv = 1 / Math.Sqrt(P(variance) + eps);
            if (scale is { } s)
            {
                inv *= P(s);
            }

            y[i] = x[i] * inv + ((offset is { } off ? P(off) : 0) - P(mean) * inv);
        }

        return y;
    }
}
