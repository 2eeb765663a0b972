using System.Numerics;
using System.Runtime.InteropServices;

namespace BnEngine.Kernels;

/// <summary>
/// dx = dy*a + (x - mean)*b + c, evaluated in double and rounded once to float32. The three terms cancel
/// heavily in training-mode backward (dx sums to zero over a channel), so rounding a, b or c to float32 first
/// would cost far more than float32 precision of the result. The same pass reports whether every dx it wrote is
/// finite (an OR of <c>dx - dx</c> per lane, as <see cref="FiniteWatch"/> does for the forward), so the layer
/// needs no separate scan of grad_input.
/// </summary>
internal static class BackwardInputKernel
{
    /// <summary>Writes dx for units [start, end); returns whether every value written is finite.</summary>
    public static bool Run(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, WorkSplit split, long start, long end,
        ReadOnlySpan<double> mean, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, bool vectorized)
    {
        var layout = split.Layout;
        var channels = layout.Channels;
        Vector<float> seen = default;
        if (split.ChannelsContiguous)
        {
            for (var o = (int)start; o < end; o++)
            {
                var offset = o * channels;
                var ch = vectorized ? AcrossChannels(x, dy, dx, offset, mean, a, b, c, ref seen) : 0;
                for (; ch < channels; ch++)
                {
                    var i = offset + ch;
                    dx[i] = (float)(dy[i] * a[ch] + (x[i] - mean[ch]) * b[ch] + c[ch]);
                    FiniteWatch.Observe(dx[i], ref seen);
                }
            }

            return FiniteWatch.AllFinite(seen);
        }

        for (var unit = start; unit < end; unit++)
        {
            var (o, ch, from, to) = split.Piece(unit);
            var offset = (o * channels + ch) * layout.Inner;
            var i = offset + from;
            if (vectorized)
            {
                i = AlongRun(x, dy, dx, i, offset + to, mean[ch], a[ch], b[ch], c[ch], ref seen);
            }

            for (; i < offset + to; i++)
            {
                dx[i] = (float)(dy[i] * a[ch] + (x[i] - mean[ch]) * b[ch] + c[ch]);
                FiniteWatch.Observe(dx[i], ref seen);
            }
        }

        return FiniteWatch.AllFinite(seen);
    }

    private static int AcrossChannels(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, int offset,
        ReadOnlySpan<double> mean, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, ref Vector<float> seen)
    {
        var width = Vector<float>.Count;
        var half = Vector<double>.Count;
        ref var px = ref MemoryMarshal.GetReference(x);
        ref var pdy = ref MemoryMarshal.GetReference(dy);
        ref var pdx = ref MemoryMarshal.GetReference(dx);
        ref var pm = ref MemoryMarshal.GetReference(mean);
        ref var pa = ref MemoryMarshal.GetReference(a);
        ref var pb = ref MemoryMarshal.GetReference(b);
        ref var pc = ref MemoryMarshal.GetReference(c);
        // Folded into a register, not through `seen` in the caller's frame (a store and a reload per vector).
        var watched = seen;
        var ch = 0;
        for (; ch <= mean.Length - width; ch += width)
        {
            var at = (nuint)(offset + ch);
            var lo = (nuint)ch;
            var hi = (nuint)(ch + half);
            Vector.Widen(Vector.LoadUnsafe(ref px, at), out var x0, out var x1);
            Vector.Widen(Vector.LoadUnsafe(ref pdy, at), out var g0, out var g1);
            var r0 = Vector.FusedMultiplyAdd(g0, Vector.LoadUnsafe(ref pa, lo),
                Vector.FusedMultiplyAdd(x0 - Vector.LoadUnsafe(ref pm, lo), Vector.LoadUnsafe(ref pb, lo), Vector.LoadUnsafe(ref pc, lo)));
            var r1 = Vector.FusedMultiplyAdd(g1, Vector.LoadUnsafe(ref pa, hi),
                Vector.FusedMultiplyAdd(x1 - Vector.LoadUnsafe(ref pm, hi), Vector.LoadUnsafe(ref pb, hi), Vector.LoadUnsafe(ref pc, hi)));
            var r = Vector.Narrow(r0, r1);
            r.StoreUnsafe(ref pdx, at);
            watched |= r - r;
        }

        seen = watched;
        return ch;
    }

    private static int AlongRun(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, int from, int to,
        double mean, double a, double b, double c, ref Vector<float> seen)
    {
        var width = Vector<float>.Count;
        ref var px = ref MemoryMarshal.GetReference(x);
        ref var pdy = ref MemoryMarshal.GetReference(dy);
        ref var pdx = ref MemoryMarshal.GetReference(dx);
        Vector<double> vm = new(mean), va = new(a), vb = new(b), vc = new(c);
        var watched = seen;
        var i = from;
        for (; i <= to - width; i += width)
        {
            var at = (nuint)i;
            Vector.Widen(Vector.LoadUnsafe(ref px, at), out var x0, out var x1);
            Vector.Widen(Vector.LoadUnsafe(ref pdy, at), out var g0, out var g1);
            var r0 = Vector.FusedMultiplyAdd(g0, va, Vector.FusedMultiplyAdd(x0 - vm, vb, vc));
            var r1 = Vector.FusedMultiplyAdd(g1, va, Vector.FusedMultiplyAdd(x1 - vm, vb, vc));
            var r = Vector.Narrow(r0, r1);
            r.StoreUnsafe(ref pdx, at);
            watched |= r - r;
        }

        seen = watched;
        return i;
    }
}
