using System.Numerics;
using System.Runtime.InteropServices;

namespace BnEngine.Kernels;

/// <summary>
/// An elementwise map with per-channel float parameters p0..p4 (stored as <c>p[j * channels + c]</c>).
/// One driver runs every map, scalar or vectorized, in either layout.
/// </summary>
internal interface IChannelMap
{
    /// <summary>How many per-channel parameters the map reads.</summary>
    static abstract int ParameterCount { get; }

    /// <summary>Whether the map reads the second input (the gradient).</summary>
    static abstract bool ReadsGradient { get; }

    static abstract float Invoke(float x, float dy, float p0, float p1, float p2, float p3, float p4);

    static abstract Vector<float> Invoke(Vector<float> x, Vector<float> dy,
        Vector<float> p0, Vector<float> p1, Vector<float> p2, Vector<float> p3, Vector<float> p4);
}

/// <summary>y = x*a + b (p0 = a, p1 = b): tf.nn.batch_normalization's order, a multiply then an add.</summary>
internal readonly struct MultiplyAddMap : IChannelMap
{
    public static int ParameterCount => 2;
    public static bool ReadsGradient => false;

    public static float Invoke(float x, float dy, float a, float b, float p2, float p3, float p4) => x * a + b;

    public static Vector<float> Invoke(Vector<float> x, Vector<float> dy, Vector<float> a, Vector<float> b,
        Vector<float> p2, Vector<float> p3, Vector<float> p4) => x * a + b;
}

/// <summary>
/// y = (x - hi)*a + b (p0 = hi, p1 = a, p2 = b) where hi is a double mean rounded to float and b already holds the
/// rest of the mean, b = shift - (mean - hi)*scale (in double, then rounded): x - hi is exact for x near the mean, so
/// the centred value keeps float32 precision even when |mean| is far above the standard deviation, and three
/// parameter streams are read instead of four.
/// </summary>
internal readonly struct CentredAffineMap : IChannelMap
{
    public static int ParameterCount => 3;
    public static bool ReadsGradient => false;

    public static float Invoke(float x, float dy, float hi, float a, float b, float p3, float p4)
        => MathF.FusedMultiplyAdd(x - hi, a, b);

    public static Vector<float> Invoke(Vector<float> x, Vector<float> dy, Vector<float> hi, Vector<float> a,
        Vector<float> b, Vector<float> p3, Vector<float> p4) => Vector.FusedMultiplyAdd(x - hi, a, b);
}

/// <summary>What a map's driver notes about the outputs it writes, in the same pass.</summary>
internal interface IOutputWatch
{
    /// <summary>Folds a vector of outputs into <paramref name="seen"/>.</summary>
    static abstract void Observe(Vector<float> y, ref Vector<float> seen);

    static abstract void Observe(float y, ref Vector<float> seen);
}

/// <summary>Notes nothing (the JIT removes every call).</summary>
internal readonly struct NoWatch : IOutputWatch
{
    public static void Observe(Vector<float> y, ref Vector<float> seen)
    {
    }

    public static void Observe(float y, ref Vector<float> seen)
    {
    }
}

/// <summary>
/// Notes NaN and infinities: y - y is +0 (all bits clear) for every finite y and NaN otherwise, so OR-ing it into
/// <c>seen</c> leaves <c>seen</c> all zero exactly when every output was finite.
/// </summary>
internal readonly struct FiniteWatch : IOutputWatch
{
    public static void Observe(Vector<float> y, ref Vector<float> seen) => seen |= y - y;

    public static void Observe(float y, ref Vector<float> seen)
    {
        if (!float.IsFinite(y))
        {
            seen = new Vector<float>(float.NaN);
        }
    }

    public static bool AllFinite(Vector<float> seen) => Vector.EqualsAll(Vector.AsVectorInt32(seen), Vector<int>.Zero);
}

/// <summary>Runs an <see cref="IChannelMap"/> over a range of work units.</summary>
internal static class ChannelMaps
{
    /// <summary>Maps units [start, end); returns whether every output written was finite (always true with <see cref="NoWatch"/>).</summary>
    public static bool Run<TMap, TWatch>(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> y, WorkSplit split, long start, long end,
        ReadOnlySpan<float> p, bool vectorized)
        where TMap : struct, IChannelMap
        where TWatch : struct, IOutputWatch
    {
        Vector<float> seen = default;
        var layout = split.Layout;
        var channels = layout.Channels;
        if (split.ChannelsContiguous)
        {
            var o = (int)start;
            if (vectorized && (end - start) * channels <= InCacheElements)
            {
                // Small (cache-resident) inputs: blocks of rows, each vector of parameters loaded once per block.
                for (; o + BlockRows <= end; o += BlockRows)
                {
                    var vectorEnd = BlockAcrossChannels<TMap, TWatch>(x, dy, y, o, channels, p, ref seen);
                    for (var r = o; r < o + BlockRows; r++)
                    {
                        Scalar<TMap, TWatch>(x, dy, y, r * channels, vectorEnd, channels, p, channels, ref seen);
                    }
                }
            }

            for (; o < end; o++)
            {
                var offset = o * channels;
                var c = vectorized ? AcrossChannels<TMap, TWatch>(x, dy, y, offset, channels, p, ref seen) : 0;
                Scalar<TMap, TWatch>(x, dy, y, offset, c, channels, p, channels, ref seen);
            }

            return FiniteWatch.AllFinite(seen);
        }

        for (var unit = start; unit < end; unit++)
        {
            var (o, c, from, to) = split.Piece(unit);
            var offset = (o * channels + c) * layout.Inner;
            float p0 = Parameter<TMap>(p, 0, channels, c), p1 = Parameter<TMap>(p, 1, channels, c), p2 = Parameter<TMap>(p, 2, channels, c),
                p3 = Parameter<TMap>(p, 3, channels, c), p4 = Parameter<TMap>(p, 4, channels, c);
            var i = offset + from;
            if (vectorized)
            {
                i = AlongRun<TMap, TWatch>(x, dy, y, i, offset + to, p0, p1, p2, p3, p4, ref seen);
            }

            for (; i < offset + to; i++)
            {
                y[i] = TMap.Invoke(x[i], TMap.ReadsGradient ? dy[i] : 0f, p0, p1, p2, p3, p4);
                TWatch.Observe(y[i], ref seen);
            }
        }

        return FiniteWatch.AllFinite(seen);
    }

    private static float Parameter<TMap>(ReadOnlySpan<float> p, int j, int channels, int c)
        where TMap : struct, IChannelMap
        => j < TMap.ParameterCount ? p[j * channels + c] : 0f;

    /// <summary>Channels [from, to) of the row starting at offset, one at a time.</summary>
    private static void Scalar<TMap, TWatch>(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> y, int offset, int from, int to,
        ReadOnlySpan<float> p, int channels, ref Vector<float> seen)
        where TMap : struct, IChannelMap
        where TWatch : struct, IOutputWatch
    {
        for (var c = from; c < to; c++)
        {
            var i = offset + c;
            y[i] = TMap.Invoke(x[i], TMap.ReadsGradient ? dy[i] : 0f,
                Parameter<TMap>(p, 0, channels, c), Parameter<TMap>(p, 1, channels, c), Parameter<TMap>(p, 2, channels, c),
                Parameter<TMap>(p, 3, channels, c), Parameter<TMap>(p, 4, channels, c));
            TWatch.Observe(y[i], ref seen);
        }
    }

    /// <summary>
    /// Up to this many elements (32 KiB, an L1 cache) a call's data is taken to be in cache, where reading rows
    /// column by column (see <see cref="BlockAcrossChannels{TMap, TWatch}"/>) is cheapest; beyond it rows are streamed one
    /// after another, which keeps the writes sequential (column-wise writes to memory measured about 2x slower).
    /// </summary>
    private const long InCacheElements = 8 * 1024;

    /// <summary>NHWC rows per block: each channel vector's parameters stay in registers over the block's rows.</summary>
    private const int BlockRows = 8;

    /// <summary><see cref="BlockRows"/> NHWC rows from <paramref name="row"/>, whole vectors of channels; returns the first channel left.</summary>
    private static int BlockAcrossChannels<TMap, TWatch>(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> y, int row, int channels,
        ReadOnlySpan<float> p, ref Vector<float> seen)
        where TMap : struct, IChannelMap
        where TWatch : struct, IOutputWatch
    {
        var width = Vector<float>.Count;
        var count = TMap.ParameterCount;
        ref var px = ref MemoryMarshal.GetReference(x);
        ref var pdy = ref MemoryMarshal.GetReference(dy);
        ref var py = ref MemoryMarshal.GetReference(y);
        ref var pp = ref MemoryMarshal.GetReference(p);
        var stride = (nuint)channels;
        var blockStart = (nuint)row * stride;
        // The watch folds into a register, not through `seen` in the caller's frame (a store and a reload per vector).
        var watched = seen;
        var c = 0;
        for (; c <= channels - width; c += width)
        {
            var p0 = Vector.LoadUnsafe(ref pp, (nuint)c);
            var p1 = Vector.LoadUnsafe(ref pp, (nuint)(channels + c));
            var p2 = count > 2 ? Vector.LoadUnsafe(ref pp, (nuint)(2 * channels + c)) : default;
            var p3 = count > 3 ? Vector.LoadUnsafe(ref pp, (nuint)(3 * channels + c)) : default;
            var p4 = count > 4 ? Vector.LoadUnsafe(ref pp, (nuint)(4 * channels + c)) : default;
            var at = blockStart + (nuint)c;
            for (var r = 0; r < BlockRows; r++, at += stride)
            {
                var dyv = TMap.ReadsGradient ? Vector.LoadUnsafe(ref pdy, at) : default;
                var result = TMap.Invoke(Vector.LoadUnsafe(ref px, at), dyv, p0, p1, p2, p3, p4);
                TWatch.Observe(result, ref watched);
                result.StoreUnsafe(ref py, at);
            }
        }

        seen = watched;
        return c;
    }

    private static int AcrossChannels<TMap, TWatch>(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> y, int offset, int channels,
        ReadOnlySpan<float> p, ref Vector<float> seen)
        where TMap : struct, IChannelMap
        where TWatch : struct, IOutputWatch
    {
        var width = Vector<float>.Count;
        var count = TMap.ParameterCount;
        ref var px = ref MemoryMarshal.GetReference(x);
        ref var pdy = ref MemoryMarshal.GetReference(dy);
        ref var py = ref MemoryMarshal.GetReference(y);
        ref var pp = ref MemoryMarshal.GetReference(p);
        var watched = seen;
        var c = 0;
        for (; c <= channels - width; c += width)
        {
            var at = (nuint)(offset + c);
            var dyv = TMap.ReadsGradient ? Vector.LoadUnsafe(ref pdy, at) : default;
            var p0 = Vector.LoadUnsafe(ref pp, (nuint)c);
            var p1 = Vector.LoadUnsafe(ref pp, (nuint)(channels + c));
            var p2 = count > 2 ? Vector.LoadUnsafe(ref pp, (nuint)(2 * channels + c)) : default;
            var p3 = count > 3 ? Vector.LoadUnsafe(ref pp, (nuint)(3 * channels + c)) : default;
            var p4 = count > 4 ? Vector.LoadUnsafe(ref pp, (nuint)(4 * channels + c)) : default;
            var result = TMap.Invoke(Vector.LoadUnsafe(ref px, at), dyv, p0, p1, p2, p3, p4);
            TWatch.Observe(result, ref watched);
            result.StoreUnsafe(ref py, at);
        }

        seen = watched;
        return c;
    }

    private static int AlongRun<TMap, TWatch>(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> y, int from, int to,
        float p0, float p1, float p2, float p3, float p4, ref Vector<float> seen)
        where TMap : struct, IChannelMap
        where TWatch : struct, IOutputWatch
    {
        var width = Vector<float>.Count;
        ref var px = ref MemoryMarshal.GetReference(x);
        ref var pdy = ref MemoryMarshal.GetReference(dy);
        ref var py = ref MemoryMarshal.GetReference(y);
        Vector<float> v0 = new(p0), v1 = new(p1), v2 = new(p2), v3 = new(p3), v4 = new(p4);
        var watched = seen;
        var i = from;
        for (; i <= to - width; i += width)
        {
            var at = (nuint)i;
            var dyv = TMap.ReadsGradient ? Vector.LoadUnsafe(ref pdy, at) : default;
            var result = TMap.Invoke(Vector.LoadUnsafe(ref px, at), dyv, v0, v1, v2, v3, v4);
            TWatch.Observe(result, ref watched);
            result.StoreUnsafe(ref py, at);
        }

        seen = watched;
        return i;
    }
}
