using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BnEngine.Kernels;

/// <summary>
/// The moment sums and the backward sums in one pass over x and dy (training-mode backward reads each input once
/// for both): per channel, with v = x - k in double, <c>a += Σv</c>, <c>b += Σv²</c>, <c>s += Σdy</c>,
/// <c>t += Σdy·v</c>. Everything is widened to double first, so the only rounding is the double accumulation.
/// </summary>
internal static class JointSums
{
    /// <summary>Rows per NHWC block: each channel vector's eight double accumulators stay in registers.</summary>
    private const int BlockRows = 8;

    public static void Accumulate(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, WorkSplit split, long start, long end, ReadOnlySpan<double> k,
        Span<double> a, Span<double> b, Span<double> s, Span<double> t, bool vectorized)
    {
        var layout = split.Layout;
        var channels = layout.Channels;
        if (split.ChannelsContiguous)
        {
            var o = (int)start;
            if (vectorized)
            {
                for (; o + BlockRows <= end; o += BlockRows)
                {
                    var vectorEnd = BlockAcrossChannels(x, dy, o, channels, k, a, b, s, t, prefetchNext: o + 2 * BlockRows <= end);
                    for (var r = o; r < o + BlockRows; r++)
                    {
                        Range(x, dy, r * channels, vectorEnd, channels, k, a, b, s, t);
                    }
                }
            }

            for (; o < end; o++)
            {
                Range(x, dy, o * channels, 0, channels, k, a, b, s, t);
            }

            return;
        }

        for (var unit = start; unit < end; unit++)
        {
            var (o, c, from, to) = split.Piece(unit);
            var offset = (o * channels + c) * layout.Inner;
            var run = x.Slice(offset + from, to - from);
            var dyRun = dy.Slice(offset + from, to - from);
            var kc = k[c];
            double sa = 0, sb = 0, ss = 0, st = 0;
            var i = 0;
            if (vectorized)
            {
                i = AlongRun(run, dyRun, kc, out sa, out sb, out ss, out st);
            }

            for (; i < run.Length; i++)
            {
                double v = run[i] - kc;
                double g = dyRun[i];
                sa += v;
                sb += v * v;
                ss += g;
                st += g * v;
            }

            a[c] += sa;
            b[c] += sb;
            s[c] += ss;
            t[c] += st;
        }
    }

    /// <summary>Channels [from, to) of the NHWC row at <paramref name="offset"/>, one at a time.</summary>
    private static void Range(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, int offset, int from, int to, ReadOnlySpan<double> k,
        Span<double> a, Span<double> b, Span<double> s, Span<double> t)
    {
        for (var c = from; c < to; c++)
        {
            double v = x[offset + c] - k[c];
            double g = dy[offset + c];
            a[c] += v;
            b[c] += v * v;
            s[c] += g;
            t[c] += g * v;
        }
    }

    private static int BlockAcrossChannels(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, int row, int channels, ReadOnlySpan<double> k,
        Span<double> a, Span<double> b, Span<double> s, Span<double> t, bool prefetchNext)
    {
        var width = Vector<float>.Count;
        var half = Vector<double>.Count;
        ref var px = ref MemoryMarshal.GetReference(x);
        ref var pdy = ref MemoryMarshal.GetReference(dy);
        ref var pk = ref MemoryMarshal.GetReference(k);
        var stride = (nuint)channels;
        var blockStart = (nuint)row * stride;
        var nextBlock = blockStart + (nuint)BlockRows * stride;
        var prefetchX = new BlockPrefetch(ref px, nextBlock, BlockRows, channels, prefetchNext);
        var prefetchDy = new BlockPrefetch(ref pdy, nextBlock, BlockRows, channels, prefetchNext);
        var c = 0;
        for (; c <= channels - width; c += width)
        {
            var lo = (nuint)c;
            var hi = (nuint)(c + half);
            var k0 = Vector.LoadUnsafe(ref pk, lo);
            var k1 = Vector.LoadUnsafe(ref pk, hi);
            Vector<double> a0 = default, a1 = default, b0 = default, b1 = default, s0 = default, s1 = default, t0 = default, t1 = default;
            var at = blockStart + lo;
            for (var r = 0; r < BlockRows; r++, at += stride)
            {
                var xv = Vector.LoadUnsafe(ref px, at);
                var gv = Vector.LoadUnsafe(ref pdy, at);
                var v0 = Vector.WidenLower(xv) - k0;
                var v1 = Vector.WidenUpper(xv) - k1;
                var g0 = Vector.WidenLower(gv);
                var g1 = Vector.WidenUpper(gv);
                a0 += v0;
                a1 += v1;
                b0 = Vector.FusedMultiplyAdd(v0, v0, b0);
                b1 = Vector.FusedMultiplyAdd(v1, v1, b1);
                s0 += g0;
                s1 += g1;
                t0 = Vector.FusedMultiplyAdd(g0, v0, t0);
                t1 = Vector.FusedMultiplyAdd(g1, v1, t1);
            }

            prefetchX.Advance(c + width);
            prefetchDy.Advance(c + width);
            Add(a, c, half, a0, a1);
            Add(b, c, half, b0, b1);
            Add(s, c, half, s0, s1);
            Add(t, c, half, t0, t1);
        }

        return c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(Span<double> sums, int c, int half, Vector<double> lo, Vector<double> hi)
    {
        ref var p = ref MemoryMarshal.GetReference(sums);
        (Vector.LoadUnsafe(ref p, (nuint)c) + lo).StoreUnsafe(ref p, (nuint)c);
        (Vector.LoadUnsafe(ref p, (nuint)(c + half)) + hi).StoreUnsafe(ref p, (nuint)(c + half));
    }

    private static int AlongRun(ReadOnlySpan<float> run, ReadOnlySpan<float> dyRun, double k,
        out double sa, out double sb, out double ss, out double st)
    {
        var width = Vector<float>.Count;
        ref var px = ref MemoryMarshal.GetReference(run);
        ref var pdy = ref MemoryMarshal.GetReference(dyRun);
        var kv = new Vector<double>(k);
        Vector<double> a0 = default, a1 = default, b0 = default, b1 = default, s0 = default, s1 = default, t0 = default, t1 = default;
        var i = 0;
        for (; i <= run.Length - width; i += width)
        {
            var xv = Vector.LoadUnsafe(ref px, (nuint)i);
            var gv = Vector.LoadUnsafe(ref pdy, (nuint)i);
            var v0 = Vector.WidenLower(xv) - kv;
            var v1 = Vector.WidenUpper(xv) - kv;
            var g0 = Vector.WidenLower(gv);
            var g1 = Vector.WidenUpper(gv);
            a0 += v0;
            a1 += v1;
            b0 = Vector.FusedMultiplyAdd(v0, v0, b0);
            b1 = Vector.FusedMultiplyAdd(v1, v1, b1);
            s0 += g0;
            s1 += g1;
            t0 = Vector.FusedMultiplyAdd(g0, v0, t0);
            t1 = Vector.FusedMultiplyAdd(g1, v1, t1);
        }

        sa = Vector.Sum(a0 + a1);
        sb = Vector.Sum(b0 + b1);
        ss = Vector.Sum(s0 + s1);
        st = Vector.Sum(t0 + t1);
        return i;
    }
}
