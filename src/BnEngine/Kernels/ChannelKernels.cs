namespace BnEngine.Kernels;

/// <summary>
/// The per-channel kernels every layer operation is built from, on the [Outer, Channels, Inner] view.
/// Per-channel parameters come in double so that the mean stays better than float32 precision.
/// </summary>
internal static class ChannelKernels
{
    /// <summary>Two-pass mean and biased variance per channel.</summary>
    public static void Moments(ReadOnlySpan<float> x, ChannelLayout layout, Span<double> mean, Span<double> variance)
    {
        var (outer, channels, inner) = layout;
        var n = (double)layout.PerChannel;
        for (var c = 0; c < channels; c++)
        {
            double sum = 0;
            for (var o = 0; o < outer; o++)
            {
                var row = x.Slice((o * channels + c) * inner, inner);
                foreach (var v in row)
                {
                    sum += v;
                }
            }

            var m = sum / n;
            double sq = 0;
            for (var o = 0; o < outer; o++)
            {
                var row = x.Slice((o * channels + c) * inner, inner);
                foreach (var v in row)
                {
                    var d = v - m;
                    sq += d * d;
                }
            }

            mean[c] = m;
            variance[c] = sq / n;
        }
    }

    /// <summary>
    /// Weighted two-pass mean and biased variance per channel (tf.nn.weighted_moments): outer row o has weight
    /// rowWeights[o / rowsPerWeight]. Returns sum of weights over one channel's elements (same for every channel).
    /// Where that sum is 0, mean and variance are 0 (TF2's div_no_nan).
    /// </summary>
    public static double WeightedMoments(ReadOnlySpan<float> x, ChannelLayout layout, ReadOnlySpan<float> rowWeights, int rowsPerWeight,
        Span<double> mean, Span<double> variance)
    {
        var (outer, channels, inner) = layout;
        double sumW = 0;
        for (var o = 0; o < outer; o++)
        {
            sumW += (double)rowWeights[o / rowsPerWeight] * inner;
        }

        for (var c = 0; c < channels; c++)
        {
            double sum = 0;
            for (var o = 0; o < outer; o++)
            {
                double w = rowWeights[o / rowsPerWeight];
                var row = x.Slice((o * channels + c) * inner, inner);
                foreach (var v in row)
                {
                    sum += w * v;
                }
            }

            var m = sumW == 0 ? 0 : sum / sumW;
            double sq = 0;
            for (var o = 0; o < outer; o++)
            {
                double w = rowWeights[o / rowsPerWeight];
                var row = x.Slice((o * channels + c) * inner, inner);
                foreach (var v in row)
                {
                    var d = v - m;
                    sq += w * d * d;
                }
            }

            mean[c] = m;
            variance[c] = sumW == 0 ? 0 : sq / sumW;
        }

        return sumW;
    }

    /// <summary>y = (x - mean) * scale + shift per channel.</summary>
    public static void Affine(ReadOnlySpan<float> x, Span<float> y, ChannelLayout layout,
        ReadOnlySpan<double> mean, ReadOnlySpan<double> scale, ReadOnlySpan<double> shift)
    {
        var (outer, channels, inner) = layout;
        for (var o = 0; o < outer; o++)
        {
            for (var c = 0; c < channels; c++)
            {
                var start = (o * channels + c) * inner;
                for (var i = start; i < start + inner; i++)
                {
                    y[i] = (float)((x[i] - mean[c]) * scale[c] + shift[c]);
                }
            }
        }
    }

    /// <summary>y = x * a + b per channel, in float32 (the order of tf.nn.batch_normalization).</summary>
    public static void MultiplyAdd(ReadOnlySpan<float> x, Span<float> y, ChannelLayout layout, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var (outer, channels, inner) = layout;
        for (var o = 0; o < outer; o++)
        {
            for (var c = 0; c < channels; c++)
            {
                var start = (o * channels + c) * inner;
                for (var i = start; i < start + inner; i++)
                {
                    y[i] = x[i] * a[c] + b[c];
                }
            }
        }
    }

    /// <summary>sumDy[c] = sum(dy), sumDyXmu[c] = sum(dy * (x - mean)).</summary>
    public static void BackwardSums(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ChannelLayout layout, ReadOnlySpan<double> mean,
        Span<double> sumDy, Span<double> sumDyXmu)
    {
        var (outer, channels, inner) = layout;
        sumDy[..channels].Clear();
        sumDyXmu[..channels].Clear();
        for (var o = 0; o < outer; o++)
        {
            for (var c = 0; c < channels; c++)
            {
                var start = (o * channels + c) * inner;
                for (var i = start; i < start + inner; i++)
                {
                    sumDy[c] += dy[i];
                    sumDyXmu[c] += dy[i] * (x[i] - mean[c]);
                }
            }
        }
    }

    /// <summary>dx = dy * a + (x - mean) * b + c per channel.</summary>
    public static void BackwardInput(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, ChannelLayout layout,
        ReadOnlySpan<double> mean, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c)
    {
        var (outer, channels, inner) = layout;
        for (var o = 0; o < outer; o++)
        {
            for (var ch = 0; ch < channels; ch++)
            {
                var start = (o * channels + ch) * inner;
                for (var i = start; i < start + inner; i++)
                {
                    dx[i] = (float)(dy[i] * a[ch] + (x[i] - mean[ch]) * b[ch] + c[ch]);
                }
            }
        }
    }
}
