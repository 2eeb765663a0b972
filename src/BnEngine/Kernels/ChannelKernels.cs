using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace BnEngine.Kernels;

/// <summary>
/// The per-channel kernels every layer operation is built from, on the [Outer, Channels, Inner] view.
/// Per-channel parameters come in double so that the mean stays better than float32 precision.
/// </summary>
/// <remarks>
/// Statistics are one pass over the data with a per-channel shift and double accumulation (<see cref="ShiftedSums"/>),
/// never the unshifted E[x^2] - E[x]^2. Elementwise steps run in float32 SIMD with the double mean split into a
/// float and a shift that absorbs the rest (<see cref="CentredAffineMap"/>), except the backward input gradient, whose terms cancel and which
/// is therefore evaluated in double (<see cref="BackwardInputKernel"/>). NHWC (Inner = 1) is vectorized across
/// channels, NCHW along each channel's run. Calls on at least <see cref="KernelOptions.DefaultParallelThreshold"/> elements are split over
/// every core; partial sums are merged in double in a fixed order, so results do not depend on scheduling.
/// Scratch comes from <see cref="ArrayPool{T}"/>. Every channel must have at least one element (PerChannel &gt; 0)
/// for the statistics.
/// </remarks>
internal static class ChannelKernels
{
    /// <summary>Mean and biased variance per channel.</summary>
    public static void Moments(ReadOnlySpan<float> x, ChannelLayout layout, Span<double> mean, Span<double> variance)
        => Moments(x, layout, mean, variance, KernelOptions.Default);

    public static void Moments(ReadOnlySpan<float> x, ChannelLayout layout, Span<double> mean, Span<double> variance, KernelOptions options)
    {
        var channels = layout.Channels;
        var shift = ArrayPool<double>.Shared.Rent(channels);
        try
        {
            var k = PilotShift(x, layout, shift);
            Sums(x, default, layout, k, default, 1, mean[..channels], variance[..channels], options);
            Finish(k, layout.PerChannel, mean, variance);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(shift);
        }
    }

    /// <summary>
    /// Weighted mean and biased variance per channel (tf.nn.weighted_moments): outer row o has weight
    /// rowWeights[o / rowsPerWeight]. Returns sum of weights over one channel's elements (same for every channel).
    /// Where that sum is 0, mean and variance are 0 (TF2's div_no_nan).
    /// </summary>
    public static double WeightedMoments(ReadOnlySpan<float> x, ChannelLayout layout, ReadOnlySpan<float> rowWeights, int rowsPerWeight,
        Span<double> mean, Span<double> variance)
        => WeightedMoments(x, layout, rowWeights, rowsPerWeight, mean, variance, KernelOptions.Default);

    public static double WeightedMoments(ReadOnlySpan<float> x, ChannelLayout layout, ReadOnlySpan<float> rowWeights, int rowsPerWeight,
        Span<double> mean, Span<double> variance, KernelOptions options)
    {
        var (outer, channels, inner) = layout;
        double sumW = 0;
        for (var o = 0; o < outer; o++)
        {
            sumW += (double)rowWeights[o / rowsPerWeight] * inner;
        }

        if (sumW == 0)
        {
            mean[..channels].Clear();
            variance[..channels].Clear();
            return sumW;
        }

        var shift = ArrayPool<double>.Shared.Rent(channels);
        try
        {
            var k = PilotShift(x, layout, shift);
            Sums(x, default, layout, k, rowWeights, rowsPerWeight, mean[..channels], variance[..channels], options);
            Finish(k, sumW, mean, variance);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(shift);
        }

        return sumW;
    }

    /// <summary>y = (x - mean) * scale + shift per channel.</summary>
    public static void Affine(ReadOnlySpan<float> x, Span<float> y, ChannelLayout layout,
        ReadOnlySpan<double> mean, ReadOnlySpan<double> scale, ReadOnlySpan<double> shift)
        => Affine(x, y, layout, mean, scale, shift, KernelOptions.Default);

    public static void Affine(ReadOnlySpan<float> x, Span<float> y, ChannelLayout layout,
        ReadOnlySpan<double> mean, ReadOnlySpan<double> scale, ReadOnlySpan<double> shift, KernelOptions options)
    {
        var channels = layout.Channels;
        var p = ArrayPool<float>.Shared.Rent(3 * channels);
        try
        {
            CentredAffineParameters(mean, scale, shift, channels, p);
            Map<CentredAffineMap, NoWatch>(x, default, y, layout, p, options);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(p);
        }
    }

    /// <summary>
    /// <see cref="Affine(ReadOnlySpan{float}, Span{float}, ChannelLayout, ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, KernelOptions)"/>
    /// that also reports, from the same pass, whether every output is finite. A NaN or infinite input always gives a
    /// non-finite output, so true also means the input was finite. On false every output is still written.
    /// </summary>
    public static bool AffineAllFinite(ReadOnlySpan<float> x, Span<float> y, ChannelLayout layout,
        ReadOnlySpan<double> mean, ReadOnlySpan<double> scale, ReadOnlySpan<double> shift, KernelOptions options)
    {
        var channels = layout.Channels;
        var p = ArrayPool<float>.Shared.Rent(3 * channels);
        try
        {
            CentredAffineParameters(mean, scale, shift, channels, p);
            return Map<CentredAffineMap, FiniteWatch>(x, default, y, layout, p, options);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(p);
        }
    }

    /// <summary>y = x * a + b per channel, in float32 (the order of tf.nn.batch_normalization).</summary>
    public static void MultiplyAdd(ReadOnlySpan<float> x, Span<float> y, ChannelLayout layout, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        => MultiplyAdd(x, y, layout, a, b, KernelOptions.Default);

    public static void MultiplyAdd(ReadOnlySpan<float> x, Span<float> y, ChannelLayout layout, ReadOnlySpan<float> a, ReadOnlySpan<float> b,
        KernelOptions options)
    {
        var channels = layout.Channels;
        var p = ArrayPool<float>.Shared.Rent(2 * channels);
        try
        {
            a[..channels].CopyTo(p);
            b[..channels].CopyTo(p.AsSpan(channels));
            Map<MultiplyAddMap, NoWatch>(x, default, y, layout, p, options);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(p);
        }
    }

    /// <summary>sumDy[c] = sum(dy), sumDyXmu[c] = sum(dy * (x - mean)).</summary>
    public static void BackwardSums(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ChannelLayout layout, ReadOnlySpan<double> mean,
        Span<double> sumDy, Span<double> sumDyXmu)
        => BackwardSums(x, dy, layout, mean, sumDy, sumDyXmu, KernelOptions.Default);

    public static void BackwardSums(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ChannelLayout layout, ReadOnlySpan<double> mean,
        Span<double> sumDy, Span<double> sumDyXmu, KernelOptions options)
    {
        var channels = layout.Channels;
        if (layout.PerChannel == 0)
        {
            sumDy[..channels].Clear();
            sumDyXmu[..channels].Clear();
            return;
        }

        Sums(x, dy, layout, mean[..channels], default, 1, sumDy[..channels], sumDyXmu[..channels], options);
    }

    /// <summary>
    /// <see cref="Moments(ReadOnlySpan{float}, ChannelLayout, Span{double}, Span{double})"/> and
    /// <see cref="BackwardSums(ReadOnlySpan{float}, ReadOnlySpan{float}, ChannelLayout, ReadOnlySpan{double}, Span{double}, Span{double})"/>
    /// around that batch mean, in one pass over x and dy (training-mode backward without an activation reads each
    /// input once for both). sumDyXmu = Σdy·(x - k) - (mean - k)·Σdy for the pilot shift k, exact in double.
    /// Non-finite x or dy give non-finite results.
    /// </summary>
    public static void MomentsAndBackwardSums(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ChannelLayout layout,
        Span<double> mean, Span<double> variance, Span<double> sumDy, Span<double> sumDyXmu)
        => MomentsAndBackwardSums(x, dy, layout, mean, variance, sumDy, sumDyXmu, KernelOptions.Default);

    public static void MomentsAndBackwardSums(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ChannelLayout layout,
        Span<double> mean, Span<double> variance, Span<double> sumDy, Span<double> sumDyXmu, KernelOptions options)
    {
        var channels = layout.Channels;
        mean = mean[..channels];
        variance = variance[..channels];
        sumDy = sumDy[..channels];
        sumDyXmu = sumDyXmu[..channels];
        var shift = ArrayPool<double>.Shared.Rent(channels);
        try
        {
            var k = PilotShift(x, layout, shift);
            mean.Clear();
            variance.Clear();
            sumDy.Clear();
            sumDyXmu.Clear();
            var split = WorkSplit.Of(layout, options);
            if (split.Workers == 1)
            {
                JointSums.Accumulate(x, dy, split, 0, split.Units, k, mean, variance, sumDy, sumDyXmu, options.Vectorized);
            }
            else
            {
                JointSumsParallel(x, dy, split, k, mean, variance, sumDy, sumDyXmu, options.Vectorized);
            }

            var n = (double)layout.PerChannel;
            for (var c = 0; c < channels; c++)
            {
                var shifted = mean[c] / n;
                sumDyXmu[c] -= shifted * sumDy[c];
            }

            Finish(k, n, mean, variance);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(shift);
        }
    }

    /// <summary>dx = dy * a + (x - mean) * b + c per channel; returns whether every dx is finite (from the same pass).</summary>
    public static bool BackwardInput(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, ChannelLayout layout,
        ReadOnlySpan<double> mean, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c)
        => BackwardInput(x, dy, dx, layout, mean, a, b, c, KernelOptions.Default);

    public static bool BackwardInput(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, ChannelLayout layout,
        ReadOnlySpan<double> mean, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, KernelOptions options)
    {
        var channels = layout.Channels;
        var split = WorkSplit.Of(layout, options);
        mean = mean[..channels];
        a = a[..channels];
        b = b[..channels];
        c = c[..channels];
        if (split.Workers == 1)
        {
            return BackwardInputKernel.Run(x, dy, dx, split, 0, split.Units, mean, a, b, c, options.Vectorized);
        }

        return BackwardInputParallel(x, dy, dx, split, mean, a, b, c, options.Vectorized);
    }

    /// <summary>Values the pilot shift averages per channel: enough to land well inside the data's spread.</summary>
    private const int PilotCount = 4;

    /// <summary>
    /// The per-channel shift k of the one-pass sums: the mean of the channel's first (up to <see cref="PilotCount"/>)
    /// values, in float32 so that x - k is exact in float32 for x near k. Any k gives the right result; one close
    /// to the mean keeps the cancellation in b/n - (a/n)^2 negligible.
    /// </summary>
    private static ReadOnlySpan<double> PilotShift(ReadOnlySpan<float> x, ChannelLayout layout, double[] scratch)
    {
        var (outer, channels, inner) = layout;
        var k = scratch.AsSpan(0, channels);
        if (layout.PerChannel == 0)
        {
            k.Clear();
            return k;
        }

        var count = (int)Math.Min(PilotCount, inner == 1 ? outer : inner);
        if (inner == 1)
        {
            // NHWC: the first rows, added as whole rows.
            var sum = ArrayPool<float>.Shared.Rent(channels);
            var row = sum.AsSpan(0, channels);
            x[..channels].CopyTo(row);
            for (var j = 1; j < count; j++)
            {
                TensorPrimitives.Add(row, x.Slice(j * channels, channels), row);
            }

            for (var c = 0; c < channels; c++)
            {
                // A float sum of huge values may overflow; the first value is as good a shift.
                k[c] = float.IsFinite(row[c]) ? row[c] / count : x[c];
            }

            ArrayPool<float>.Shared.Return(sum);
            return k;
        }

        for (var c = 0; c < channels; c++)
        {
            var run = x.Slice(c * inner, count);
            var total = 0f;
            foreach (var v in run)
            {
                total += v;
            }

            k[c] = float.IsFinite(total) ? total / count : run[0];
        }

        return k;
    }

    /// <summary>From a = Σ(x - k), b = Σ(x - k)^2 (in mean and variance) to the mean and biased variance.</summary>
    private static void Finish(ReadOnlySpan<double> k, double count, Span<double> mean, Span<double> variance)
    {
        var c = 0;
        if (Vector.IsHardwareAccelerated)
        {
            // The same operations, Vector<double>.Count channels at a time; a negative or zero variance becomes +0
            // and NaN stays NaN, as Math.Max(0, v) gives.
            var n = new Vector<double>(count);
            for (; c <= k.Length - Vector<double>.Count; c += Vector<double>.Count)
            {
                var shifted = new Vector<double>(mean[c..]) / n;
                (new Vector<double>(k[c..]) + shifted).CopyTo(mean[c..]);
                var v = new Vector<double>(variance[c..]) / n - shifted * shifted;
                Vector.ConditionalSelect(Vector.LessThanOrEqual(v, Vector<double>.Zero), Vector<double>.Zero, v).CopyTo(variance[c..]);
            }
        }

        for (; c < k.Length; c++)
        {
            var shifted = mean[c] / count;
            mean[c] = k[c] + shifted;
            variance[c] = Math.Max(0, variance[c] / count - shifted * shifted);
        }
    }

    /// <summary>
    /// <see cref="CentredAffineMap"/>'s parameters: p[0..C) = hi = float(mean), p[C..2C) = float(scale),
    /// p[2C..3C) = float(shift - (mean - hi)*scale), the part of the mean below float32 precision folded into the shift.
    /// </summary>
    private static void CentredAffineParameters(ReadOnlySpan<double> mean, ReadOnlySpan<double> scale, ReadOnlySpan<double> shift,
        int channels, float[] p)
    {
        var c = 0;
        if (Vector.IsHardwareAccelerated)
        {
            // The same operations, Vector<float>.Count channels at a time (no fused multiply-add, so each result
            // rounds as the scalar loop's does; narrowing rounds to nearest, as the cast does).
            var width = Vector<float>.Count;
            var half = Vector<double>.Count;
            for (; c <= channels - width; c += width)
            {
                Vector<double> m0 = new(mean[c..]), m1 = new(mean[(c + half)..]);
                Vector<double> s0 = new(scale[c..]), s1 = new(scale[(c + half)..]);
                var hi = Vector.Narrow(m0, m1);
                Vector.Widen(hi, out var h0, out var h1);
                hi.CopyTo(p, c);
                Vector.Narrow(s0, s1).CopyTo(p, channels + c);
                Vector.Narrow(new Vector<double>(shift[c..]) - (m0 - h0) * s0, new Vector<double>(shift[(c + half)..]) - (m1 - h1) * s1)
                    .CopyTo(p, 2 * channels + c);
            }
        }

        for (; c < channels; c++)
        {
            var hi = (float)mean[c];
            p[c] = hi;
            p[channels + c] = (float)scale[c];
            p[2 * channels + c] = (float)(shift[c] - (mean[c] - hi) * scale[c]);
        }
    }

    /// <summary>Clears a and b, then accumulates the shifted sums into them, fanned out over workers when large.</summary>
    private static void Sums(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ChannelLayout layout, ReadOnlySpan<double> k,
        ReadOnlySpan<float> rowWeights, int rowsPerWeight, Span<double> a, Span<double> b, KernelOptions options)
    {
        a.Clear();
        b.Clear();
        var split = WorkSplit.Of(layout, options);
        if (split.Workers == 1)
        {
            ShiftedSums.Accumulate(x, dy, split, 0, split.Units, k, rowWeights, rowsPerWeight, a, b, options.Vectorized);
            return;
        }

        var channels = layout.Channels;
        var partials = ArrayPool<double>.Shared.Rent(2 * channels * split.Workers);
        try
        {
            Array.Clear(partials, 0, 2 * channels * split.Workers);
            SumsParallel(x, dy, split, k, rowWeights, rowsPerWeight, partials, options.Vectorized);
            for (var worker = 0; worker < split.Workers; worker++)
            {
                var part = partials.AsSpan(2 * channels * worker, 2 * channels);
                for (var c = 0; c < channels; c++)
                {
                    a[c] += part[c];
                    b[c] += part[channels + c];
                }
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(partials);
        }
    }

    /// <summary>Each worker accumulates its units into its own slice of <paramref name="partials"/> (a then b).</summary>
    private static unsafe void SumsParallel(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, WorkSplit split, ReadOnlySpan<double> k,
        ReadOnlySpan<float> rowWeights, int rowsPerWeight, double[] partials, bool vectorized)
    {
        var channels = split.Layout.Channels;
        fixed (float* px = x, pdy = dy, pw = rowWeights)
        fixed (double* pk = k)
        {
            var (xAt, xLen, dyAt, dyLen, wAt, wLen, kAt) = ((nint)px, x.Length, (nint)pdy, dy.Length, (nint)pw, rowWeights.Length, (nint)pk);
            Parallel.For(0, split.Workers, new ParallelOptions { MaxDegreeOfParallelism = split.Workers }, worker =>
            {
                var (start, end) = split.Range(worker);
                var part = partials.AsSpan(2 * channels * worker, 2 * channels);
                ShiftedSums.Accumulate(new ReadOnlySpan<float>((void*)xAt, xLen), new ReadOnlySpan<float>((void*)dyAt, dyLen), split, start, end,
                    new ReadOnlySpan<double>((void*)kAt, channels), new ReadOnlySpan<float>((void*)wAt, wLen), rowsPerWeight,
                    part[..channels], part[channels..], vectorized);
            });
        }
    }

    private static unsafe void JointSumsParallel(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, WorkSplit split, ReadOnlySpan<double> k,
        Span<double> a, Span<double> b, Span<double> s, Span<double> t, bool vectorized)
    {
        var channels = split.Layout.Channels;
        var size = 4 * channels;
        var partials = ArrayPool<double>.Shared.Rent(size * split.Workers);
        try
        {
            Array.Clear(partials, 0, size * split.Workers);
            fixed (float* px = x, pdy = dy)
            fixed (double* pk = k)
            {
                var (xAt, dyAt, n, kAt) = ((nint)px, (nint)pdy, x.Length, (nint)pk);
                Parallel.For(0, split.Workers, new ParallelOptions { MaxDegreeOfParallelism = split.Workers }, worker =>
                {
                    var (start, end) = split.Range(worker);
                    var part = partials.AsSpan(size * worker, size);
                    JointSums.Accumulate(new ReadOnlySpan<float>((void*)xAt, n), new ReadOnlySpan<float>((void*)dyAt, n), split, start, end,
                        new ReadOnlySpan<double>((void*)kAt, channels), part[..channels], part.Slice(channels, channels),
                        part.Slice(2 * channels, channels), part.Slice(3 * channels, channels), vectorized);
                });
            }

            for (var worker = 0; worker < split.Workers; worker++)
            {
                var part = partials.AsSpan(size * worker, size);
                for (var c = 0; c < channels; c++)
                {
                    a[c] += part[c];
                    b[c] += part[channels + c];
                    s[c] += part[2 * channels + c];
                    t[c] += part[3 * channels + c];
                }
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(partials);
        }
    }

    /// <summary>Runs the map, fanned out over workers when large; returns whether every output was finite (true with <see cref="NoWatch"/>).</summary>
    private static bool Map<TMap, TWatch>(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> y, ChannelLayout layout, float[] p,
        KernelOptions options)
        where TMap : struct, IChannelMap
        where TWatch : struct, IOutputWatch
    {
        var split = WorkSplit.Of(layout, options);
        if (split.Workers == 1)
        {
            return ChannelMaps.Run<TMap, TWatch>(x, dy, y, split, 0, split.Units, p, options.Vectorized);
        }

        return MapParallel<TMap, TWatch>(x, dy, y, split, p, options.Vectorized);
    }

    private static unsafe bool MapParallel<TMap, TWatch>(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> y, WorkSplit split, float[] p,
        bool vectorized)
        where TMap : struct, IChannelMap
        where TWatch : struct, IOutputWatch
    {
        var allFinite = true;
        fixed (float* px = x, pdy = dy, py = y)
        {
            var (xAt, xLen, dyAt, dyLen, yAt, yLen) = ((nint)px, x.Length, (nint)pdy, dy.Length, (nint)py, y.Length);
            Parallel.For(0, split.Workers, new ParallelOptions { MaxDegreeOfParallelism = split.Workers }, worker =>
            {
                var (start, end) = split.Range(worker);
                if (!ChannelMaps.Run<TMap, TWatch>(new ReadOnlySpan<float>((void*)xAt, xLen), new ReadOnlySpan<float>((void*)dyAt, dyLen),
                    new Span<float>((void*)yAt, yLen), split, start, end, p, vectorized))
                {
                    allFinite = false;
                }
            });
        }

        return allFinite;
    }

    private static unsafe bool BackwardInputParallel(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, WorkSplit split,
        ReadOnlySpan<double> mean, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, bool vectorized)
    {
        var channels = split.Layout.Channels;
        var allFinite = true;
        fixed (float* px = x, pdy = dy, pdx = dx)
        fixed (double* pm = mean, pa = a, pb = b, pc = c)
        {
            var (xAt, dyAt, dxAt, n) = ((nint)px, (nint)pdy, (nint)pdx, x.Length);
            var (mAt, aAt, bAt, cAt) = ((nint)pm, (nint)pa, (nint)pb, (nint)pc);
            Parallel.For(0, split.Workers, new ParallelOptions { MaxDegreeOfParallelism = split.Workers }, worker =>
            {
                var (start, end) = split.Range(worker);
                if (!BackwardInputKernel.Run(new ReadOnlySpan<float>((void*)xAt, n), new ReadOnlySpan<float>((void*)dyAt, n), new Span<float>((void*)dxAt, n),
                    split, start, end, new ReadOnlySpan<double>((void*)mAt, channels), new ReadOnlySpan<double>((void*)aAt, channels),
                    new ReadOnlySpan<double>((void*)bAt, channels), new ReadOnlySpan<double>((void*)cAt, channels), vectorized))
                {
                    allFinite = false;
                }
            });
        }

        return allFinite;
    }
}
