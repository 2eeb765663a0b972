using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BnEngine.Kernels;

/// <summary>
/// The one reduction every statistic is built from. Per channel c, over a range of work units:
/// <c>a[c] += Σ w·u</c> and <c>b[c] += Σ w·u·v</c>, where <c>v = x - k[c]</c>, <c>u = dy</c> when a gradient is
/// given and <c>u = v</c> otherwise, and <c>w</c> is the outer row's weight (1 without weights).
/// Values are widened to double before they are shifted, multiplied and summed, so the only rounding is the
/// double accumulation; the one exception is the NHWC moment sums, which run in float32 over blocks of
/// <see cref="BlockRows"/> rows (x - k exact for data near k) and are merged in double. With k near the data (a pilot
/// mean of the channel's first values, or the mean itself) the shifted one-pass variance <c>b/n - (a/n)^2</c> is as
/// good as a two-pass one, even for float32 data around 1e4 with std 1.
/// </summary>
internal static class ShiftedSums
{
    public static void Accumulate(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, WorkSplit split, long start, long end,
        ReadOnlySpan<double> k, ReadOnlySpan<float> rowWeights, int rowsPerWeight, Span<double> a, Span<double> b, bool vectorized)
    {
        var layout = split.Layout;
        var channels = layout.Channels;
        var hasDy = !dy.IsEmpty;
        if (split.ChannelsContiguous)
        {
            var o = (int)start;
            if (vectorized && !hasDy)
            {
                FloatBlockMoments(x, o, (int)end, channels, rowWeights, rowsPerWeight, k, a, b);
                return;
            }

            if (vectorized)
            {
                // Blocks of rows: each channel vector's double accumulators stay in registers over the block.
                for (; o + GradientBlockRows <= end; o += GradientBlockRows)
                {
                    var vectorEnd = BlockAcrossChannels(x, dy, hasDy, o, channels, rowWeights, rowsPerWeight, k, a, b,
                        prefetchNext: o + 2 * GradientBlockRows <= end);
                    for (var r = o; r < o + GradientBlockRows; r++)
                    {
                        RowTail(x, dy, hasDy, r, channels, vectorEnd, Weight(rowWeights, rowsPerWeight, r), k, a, b);
                    }
                }
            }

            for (; o < end; o++)
            {
                var w = Weight(rowWeights, rowsPerWeight, o);
                var c = vectorized ? AcrossChannels(x.Slice(o * channels, channels), hasDy ? dy.Slice(o * channels, channels) : default, hasDy, w, k, a, b) : 0;
                RowTail(x, dy, hasDy, o, channels, c, w, k, a, b);
            }

            return;
        }

        for (var unit = start; unit < end; unit++)
        {
            var (o, c, from, to) = split.Piece(unit);
            double w = rowWeights.IsEmpty ? 1.0 : rowWeights[o / rowsPerWeight];
            var offset = (o * channels + c) * layout.Inner;
            var run = x.Slice(offset + from, to - from);
            var dyRun = hasDy ? dy.Slice(offset + from, to - from) : default;
            var kc = k[c];
            double sa = 0, sb = 0;
            var i = vectorized ? AlongRun(run, dyRun, hasDy, kc, out sa, out sb) : 0;
            for (; i < run.Length; i++)
            {
                double v = run[i] - kc;
                double u = hasDy ? dyRun[i] : v;
                sa += u;
                sb += u * v;
            }

            a[c] += w * sa;
            b[c] += w * sb;
        }
    }

    /// <summary>
    /// Rows summed in float32 before a merge into double. The float sums are of shifted values d = x - k with k near
    /// the data, so each block sum carries a relative error of a few float32 ulps at most; the blocks' errors are
    /// independent and average out in the double total.
    /// </summary>
    private const int BlockRows = 8;

    /// <summary>NHWC rows per block of the double sums with a gradient: the block's accumulators stay in registers.</summary>
    private const int GradientBlockRows = 8;

    /// <summary>
    /// NHWC moment sums (no gradient) for rows [from, to), in blocks of <see cref="BlockRows"/> rows streamed one
    /// after another (sequential reads, which the hardware prefetchers follow): per channel, d = x - k in float32
    /// (exact for x within a factor 2 of k, and k is close to the data), Σw·d and Σw·d² accumulate in float32
    /// arrays that stay in L1 over the block, then are widened and added to the double accumulators.
    /// </summary>
    private static void FloatBlockMoments(ReadOnlySpan<float> x, int from, int to, int channels,
        ReadOnlySpan<float> rowWeights, int rowsPerWeight, ReadOnlySpan<double> k, Span<double> a, Span<double> b)
    {
        if ((long)(to - from) * channels <= InCacheElements)
        {
            FloatColumnMoments(x, from, to, channels, rowWeights, rowsPerWeight, k, a, b);
            return;
        }

        var width = Vector<float>.Count;
        var vectorEnd = channels - channels % width;
        var scratch = ArrayPool<float>.Shared.Rent(3 * vectorEnd);
        try
        {
            var kf = scratch.AsSpan(0, vectorEnd);
            var s1 = scratch.AsSpan(vectorEnd, vectorEnd);
            var s2 = scratch.AsSpan(2 * vectorEnd, vectorEnd);
            for (var c = 0; c < vectorEnd; c++)
            {
                kf[c] = (float)k[c];
            }

            var row = from;
            for (; row + BlockRows <= to; row += BlockRows)
            {
                s1.Clear();
                s2.Clear();
                for (var r = row; r < row + BlockRows; r++)
                {
                    var w = Weight(rowWeights, rowsPerWeight, r);
                    StreamRow(x.Slice(r * channels, vectorEnd), kf, (float)w, rowWeights.IsEmpty, s1, s2);
                    RowTail(x, default, false, r, channels, vectorEnd, w, k, a, b);
                }

                MergeBlock(x, row, channels, rowWeights, rowsPerWeight, k, s1, s2, a, b);
            }

            for (; row < to; row++)
            {
                var w = Weight(rowWeights, rowsPerWeight, row);
                var c = AcrossChannels(x.Slice(row * channels, channels), default, false, w, k, a, b);
                RowTail(x, default, false, row, channels, c, w, k, a, b);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// Up to this many elements (2 MiB, one core's L2 cache here) the data is taken to be in cache, where reading each
    /// block's rows column by column, with the float sums in registers, is cheapest (no accumulator arrays, no
    /// scratch). A batch the service trains on was just copied off the wire, so it is in cache: a loop of copy in,
    /// train, copy out on [4096, 64] (1 MiB) took 128-132 µs against 167-175 with the limit at 32 KiB (an L1 cache),
    /// and on [8192, 64] 392 against 426 µs.
    /// </summary>
    internal const long InCacheElements = 512 * 1024;

    /// <summary>
    /// <see cref="FloatBlockMoments"/> for cache-resident rows: the same float32 block sums over the same
    /// <see cref="BlockRows"/> rows (so the same results), each vector of channels summed over the block's rows in registers.
    /// </summary>
    private static void FloatColumnMoments(ReadOnlySpan<float> x, int from, int to, int channels,
        ReadOnlySpan<float> rowWeights, int rowsPerWeight, ReadOnlySpan<double> k, Span<double> a, Span<double> b)
    {
        var width = Vector<float>.Count;
        var half = Vector<double>.Count;
        var weighted = !rowWeights.IsEmpty;
        ref var px = ref MemoryMarshal.GetReference(x);
        ref var pk = ref MemoryMarshal.GetReference(k);
        ref var pa = ref MemoryMarshal.GetReference(a);
        ref var pb = ref MemoryMarshal.GetReference(b);
        Span<float> weights = stackalloc float[BlockRows];
        var infinity = new Vector<float>(float.PositiveInfinity);
        var stride = (nuint)channels;
        var row = from;
        for (; row + BlockRows <= to; row += BlockRows)
        {
            for (var r = 0; r < BlockRows; r++)
            {
                weights[r] = (float)Weight(rowWeights, rowsPerWeight, row + r);
            }

            var blockStart = (nuint)row * stride;
            var c = 0;
            for (; c <= channels - width; c += width)
            {
                var lo = (nuint)c;
                var hi = (nuint)(c + half);
                var kf = Vector.Narrow(Vector.LoadUnsafe(ref pk, lo), Vector.LoadUnsafe(ref pk, hi));
                var at = blockStart + lo;
                Vector<float> s1 = default, s2 = default;
                for (var r = 0; r < BlockRows; r++, at += stride)
                {
                    var d = Vector.LoadUnsafe(ref px, at) - kf;
                    var wd = weighted ? d * weights[r] : d;
                    s1 += wd;
                    s2 = Vector.FusedMultiplyAdd(wd, d, s2);
                }

                if (!Vector.LessThanAll(Vector.Abs(s1) + s2, infinity))
                {
                    // As in MergeBlock: redo these columns in double.
                    for (var r = row; r < row + BlockRows; r++)
                    {
                        RowRange(x, default, false, r, channels, c, c + width, Weight(rowWeights, rowsPerWeight, r), k, a, b);
                    }

                    continue;
                }

                (Vector.LoadUnsafe(ref pa, lo) + Vector.WidenLower(s1)).StoreUnsafe(ref pa, lo);
                (Vector.LoadUnsafe(ref pa, hi) + Vector.WidenUpper(s1)).StoreUnsafe(ref pa, hi);
                (Vector.LoadUnsafe(ref pb, lo) + Vector.WidenLower(s2)).StoreUnsafe(ref pb, lo);
                (Vector.LoadUnsafe(ref pb, hi) + Vector.WidenUpper(s2)).StoreUnsafe(ref pb, hi);
            }

            for (var r = row; r < row + BlockRows; r++)
            {
                RowTail(x, default, false, r, channels, c, Weight(rowWeights, rowsPerWeight, r), k, a, b);
            }
        }

        for (; row < to; row++)
        {
            var w = Weight(rowWeights, rowsPerWeight, row);
            var c = AcrossChannels(x.Slice(row * channels, channels), default, false, w, k, a, b);
            RowTail(x, default, false, row, channels, c, w, k, a, b);
        }
    }

    /// <summary>s1 += w·(x - k), s2 += w·(x - k)² over one row's whole vectors of channels, in float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StreamRow(ReadOnlySpan<float> row, ReadOnlySpan<float> kf, float w, bool unweighted, Span<float> s1, Span<float> s2)
    {
        var width = Vector<float>.Count;
        ref var px = ref MemoryMarshal.GetReference(row);
        ref var pk = ref MemoryMarshal.GetReference(kf);
        ref var p1 = ref MemoryMarshal.GetReference(s1);
        ref var p2 = ref MemoryMarshal.GetReference(s2);
        var wv = new Vector<float>(w);
        for (nuint c = 0; c < (nuint)row.Length; c += (nuint)width)
        {
            var d = Vector.LoadUnsafe(ref px, c) - Vector.LoadUnsafe(ref pk, c);
            var wd = unweighted ? d : d * wv;
            (Vector.LoadUnsafe(ref p1, c) + wd).StoreUnsafe(ref p1, c);
            Vector.FusedMultiplyAdd(wd, d, Vector.LoadUnsafe(ref p2, c)).StoreUnsafe(ref p2, c);
        }
    }

    /// <summary>
    /// Adds one block's float sums to the double accumulators. Where a vector of sums is not finite (finite values
    /// far apart, |x - k| beyond ~1e19, overflow float32 squares; NaN or infinities poison the sums), its columns
    /// are redone over the block's rows in double, which neither overflows nor hides a NaN.
    /// </summary>
    private static void MergeBlock(ReadOnlySpan<float> x, int row, int channels, ReadOnlySpan<float> rowWeights, int rowsPerWeight,
        ReadOnlySpan<double> k, ReadOnlySpan<float> s1, ReadOnlySpan<float> s2, Span<double> a, Span<double> b)
    {
        var width = Vector<float>.Count;
        var half = Vector<double>.Count;
        ref var p1 = ref MemoryMarshal.GetReference(s1);
        ref var p2 = ref MemoryMarshal.GetReference(s2);
        ref var pa = ref MemoryMarshal.GetReference(a);
        ref var pb = ref MemoryMarshal.GetReference(b);
        var infinity = new Vector<float>(float.PositiveInfinity);
        for (var c = 0; c < s1.Length; c += width)
        {
            var lo = (nuint)c;
            var hi = (nuint)(c + half);
            var v1 = Vector.LoadUnsafe(ref p1, lo);
            var v2 = Vector.LoadUnsafe(ref p2, lo);
            if (!Vector.LessThanAll(Vector.Abs(v1) + v2, infinity))
            {
                for (var r = row; r < row + BlockRows; r++)
                {
                    RowRange(x, default, false, r, channels, c, c + width, Weight(rowWeights, rowsPerWeight, r), k, a, b);
                }

                continue;
            }

            (Vector.LoadUnsafe(ref pa, lo) + Vector.WidenLower(v1)).StoreUnsafe(ref pa, lo);
            (Vector.LoadUnsafe(ref pa, hi) + Vector.WidenUpper(v1)).StoreUnsafe(ref pa, hi);
            (Vector.LoadUnsafe(ref pb, lo) + Vector.WidenLower(v2)).StoreUnsafe(ref pb, lo);
            (Vector.LoadUnsafe(ref pb, hi) + Vector.WidenUpper(v2)).StoreUnsafe(ref pb, hi);
        }
    }

    private static double Weight(ReadOnlySpan<float> rowWeights, int rowsPerWeight, int row)
        => rowWeights.IsEmpty ? 1.0 : rowWeights[row / rowsPerWeight];

    /// <summary>Channels [from, channels) of one NHWC row, one at a time.</summary>
    private static void RowTail(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, bool hasDy, int row, int channels, int from, double w,
        ReadOnlySpan<double> k, Span<double> a, Span<double> b)
        => RowRange(x, dy, hasDy, row, channels, from, channels, w, k, a, b);

    /// <summary>Channels [from, to) of one NHWC row, one at a time, in double.</summary>
    private static void RowRange(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, bool hasDy, int row, int channels, int from, int to, double w,
        ReadOnlySpan<double> k, Span<double> a, Span<double> b)
    {
        var offset = row * channels;
        for (var c = from; c < to; c++)
        {
            double v = x[offset + c] - k[c];
            var wu = w * (hasDy ? dy[offset + c] : v);
            a[c] += wu;
            b[c] += wu * v;
        }
    }

    /// <summary><see cref="GradientBlockRows"/> NHWC rows from <paramref name="row"/>, whole vectors of channels; returns the first channel left.</summary>
    private static int BlockAcrossChannels(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, bool hasDy, int row, int channels,
        ReadOnlySpan<float> rowWeights, int rowsPerWeight, ReadOnlySpan<double> k, Span<double> a, Span<double> b, bool prefetchNext)
    {
        var width = Vector<float>.Count;
        var half = Vector<double>.Count;
        var weighted = !rowWeights.IsEmpty;
        ref var px = ref MemoryMarshal.GetReference(x);
        ref var pdy = ref MemoryMarshal.GetReference(dy);
        ref var pk = ref MemoryMarshal.GetReference(k);
        ref var pa = ref MemoryMarshal.GetReference(a);
        ref var pb = ref MemoryMarshal.GetReference(b);
        Span<double> weights = stackalloc double[GradientBlockRows];
        for (var r = 0; r < GradientBlockRows; r++)
        {
            weights[r] = Weight(rowWeights, rowsPerWeight, row + r);
        }

        var stride = (nuint)channels;
        var blockStart = (nuint)row * stride;
        var nextBlock = blockStart + (nuint)GradientBlockRows * stride;
        var prefetchX = new BlockPrefetch(ref px, nextBlock, GradientBlockRows, channels, prefetchNext);
        var prefetchDy = new BlockPrefetch(ref pdy, nextBlock, GradientBlockRows, channels, prefetchNext && hasDy);
        var c = 0;
        for (; c <= channels - width; c += width)
        {
            var lo = (nuint)c;
            var hi = (nuint)(c + half);
            var k0 = Vector.LoadUnsafe(ref pk, lo);
            var k1 = Vector.LoadUnsafe(ref pk, hi);
            var a0 = Vector.LoadUnsafe(ref pa, lo);
            var a1 = Vector.LoadUnsafe(ref pa, hi);
            var b0 = Vector.LoadUnsafe(ref pb, lo);
            var b1 = Vector.LoadUnsafe(ref pb, hi);
            var at = blockStart + lo;
            for (var r = 0; r < GradientBlockRows; r++, at += stride)
            {
                AddRow(ref px, ref pdy, hasDy, at, weighted, new Vector<double>(weights[r]), k0, k1, ref a0, ref a1, ref b0, ref b1);
            }

            prefetchX.Advance(c + width);
            prefetchDy.Advance(c + width);
            a0.StoreUnsafe(ref pa, lo);
            a1.StoreUnsafe(ref pa, hi);
            b0.StoreUnsafe(ref pb, lo);
            b1.StoreUnsafe(ref pb, hi);
        }

        return c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow(ref float px, ref float pdy, bool hasDy, nuint at, bool weighted, Vector<double> w,
        Vector<double> k0, Vector<double> k1, ref Vector<double> a0, ref Vector<double> a1, ref Vector<double> b0, ref Vector<double> b1)
    {
        var xv = Vector.LoadUnsafe(ref px, at);
        var v0 = Vector.WidenLower(xv) - k0;
        var v1 = Vector.WidenUpper(xv) - k1;
        var u0 = v0;
        var u1 = v1;
        if (hasDy)
        {
            var dyv = Vector.LoadUnsafe(ref pdy, at);
            u0 = Vector.WidenLower(dyv);
            u1 = Vector.WidenUpper(dyv);
        }

        if (weighted)
        {
            u0 *= w;
            u1 *= w;
        }

        a0 += u0;
        a1 += u1;
        b0 = Vector.FusedMultiplyAdd(u0, v0, b0);
        b1 = Vector.FusedMultiplyAdd(u1, v1, b1);
    }

    /// <summary>One NHWC row, whole vectors of channels; returns the first channel left for the scalar tail.</summary>
    private static int AcrossChannels(ReadOnlySpan<float> row, ReadOnlySpan<float> dyRow, bool hasDy, double w,
        ReadOnlySpan<double> k, Span<double> a, Span<double> b)
    {
        var width = Vector<float>.Count;
        var half = Vector<double>.Count;
        ref var px = ref MemoryMarshal.GetReference(row);
        ref var pdy = ref MemoryMarshal.GetReference(dyRow);
        ref var pk = ref MemoryMarshal.GetReference(k);
        ref var pa = ref MemoryMarshal.GetReference(a);
        ref var pb = ref MemoryMarshal.GetReference(b);
        var wv = new Vector<double>(w);
        var c = 0;
        for (; c <= row.Length - width; c += width)
        {
            var lo = (nuint)c;
            var hi = (nuint)(c + half);
            Vector.Widen(Vector.LoadUnsafe(ref px, lo), out var x0, out var x1);
            var v0 = x0 - Vector.LoadUnsafe(ref pk, lo);
            var v1 = x1 - Vector.LoadUnsafe(ref pk, hi);
            Vector<double> u0 = v0, u1 = v1;
            if (hasDy)
            {
                Vector.Widen(Vector.LoadUnsafe(ref pdy, lo), out u0, out u1);
            }

            u0 *= wv;
            u1 *= wv;
            (Vector.LoadUnsafe(ref pa, lo) + u0).StoreUnsafe(ref pa, lo);
            (Vector.LoadUnsafe(ref pa, hi) + u1).StoreUnsafe(ref pa, hi);
            Vector.FusedMultiplyAdd(u0, v0, Vector.LoadUnsafe(ref pb, lo)).StoreUnsafe(ref pb, lo);
            Vector.FusedMultiplyAdd(u1, v1, Vector.LoadUnsafe(ref pb, hi)).StoreUnsafe(ref pb, hi);
        }

        return c;
    }

    /// <summary>One contiguous run of a channel (NCHW), whole vectors; returns the first index left for the scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int AlongRun(ReadOnlySpan<float> run, ReadOnlySpan<float> dyRun, bool hasDy, double k, out double sa, out double sb)
    {
        var width = Vector<float>.Count;
        ref var px = ref MemoryMarshal.GetReference(run);
        ref var pdy = ref MemoryMarshal.GetReference(dyRun);
        var kv = new Vector<double>(k);
        Vector<double> a0 = default, a1 = default, b0 = default, b1 = default;
        var i = 0;
        for (; i <= run.Length - width; i += width)
        {
            Vector.Widen(Vector.LoadUnsafe(ref px, (nuint)i), out var x0, out var x1);
            var v0 = x0 - kv;
            var v1 = x1 - kv;
            Vector<double> u0 = v0, u1 = v1;
            if (hasDy)
            {
                Vector.Widen(Vector.LoadUnsafe(ref pdy, (nuint)i), out u0, out u1);
            }

            a0 += u0;
            a1 += u1;
            b0 = Vector.FusedMultiplyAdd(u0, v0, b0);
            b1 = Vector.FusedMultiplyAdd(u1, v1, b1);
        }

        sa = Vector.Sum(a0 + a1);
        sb = Vector.Sum(b0 + b1);
        return i;
    }
}
