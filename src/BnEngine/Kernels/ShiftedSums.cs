using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BnEngine.Kernels;

/// <summary>
/// The one reduction every statistic is built from. Per channel c, over a range of work units:
/// <c>a[c] += Σ w·u</c> and <c>b[c] += Σ w·u·v</c>, where <c>v = x - k[c]</c>, <c>u = dy</c> when a gradient is
/// given and <c>u = v</c> otherwise, and <c>w</c> is the outer row's weight (1 without weights).
/// Every value is widened to double before it is shifted, multiplied and summed, so the only rounding is the
/// double accumulation: with k near the data (the channel's first value, or its mean) the shifted one-pass
/// variance <c>b/n - (a/n)^2</c> is as good as a two-pass one, even for float32 data around 1e4 with std 1.
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
            for (var o = (int)start; o < end; o++)
            {
                double w = rowWeights.IsEmpty ? 1.0 : rowWeights[o / rowsPerWeight];
                var row = x.Slice(o * channels, channels);
                var dyRow = hasDy ? dy.Slice(o * channels, channels) : default;
                var c = vectorized ? AcrossChannels(row, dyRow, hasDy, w, k, a, b) : 0;
                for (; c < channels; c++)
                {
                    double v = row[c] - k[c];
                    var wu = w * (hasDy ? dyRow[c] : v);
                    a[c] += wu;
                    b[c] += wu * v;
                }
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
