using System.Numerics;

namespace BnEngine;

/// <summary>
/// Proves from a batch's own statistics that training's forward map cannot leave float32's range, so that the
/// usual batch needs no output check at all: every value x of a channel has |x - mean| &lt;= sqrt(n * variance)
/// (the squared deviations sum to n * variance), hence |(x - mean) * scale + shift| &lt;= |scale| * sqrt(n * variance) + |shift|.
/// </summary>
internal static class OutputBound
{
    /// <summary>
    /// Bounds must stay below a quarter of float32's largest value: room for the float32 rounding of the kernel's
    /// intermediates and for activations that grow their argument (selu's 1.0507).
    /// </summary>
    private const double Limit = float.MaxValue / 4.0;

    /// <summary>Slack for the rounding of the statistics and of the float32 mean split.</summary>
    private const double Slack = 1e-6;

    /// <summary>
    /// Whether (x - mean) * scale + shift is finite, with room to spare, for every x of an unweighted batch of
    /// <paramref name="count"/> values per channel with this biased <paramref name="variance"/>. False means "not
    /// proven": the caller checks the output.
    /// </summary>
    public static bool ProvesFinite(ReadOnlySpan<double> mean, ReadOnlySpan<double> variance, long count,
        ReadOnlySpan<double> scale, ReadOnlySpan<double> shift)
    {
        var c = 0;
        if (Vector.IsHardwareAccelerated && mean.Length >= Vector<float>.Count)
        {
            // The same test, Vector<float>.Count channels at a time (the small batch runs it on every call).
            var width = Vector<float>.Count;
            var half = Vector<double>.Count;
            var limit = new Vector<double>(Limit);
            var grow = new Vector<double>(1 + Slack);
            var slack = new Vector<double>(Slack);
            var n = new Vector<double>(count);
            var passes = Vector<long>.AllBitsSet;
            for (; c <= mean.Length - width; c += width)
            {
                // Rounded to float32 as the kernel rounds them (the narrowing conversion rounds to nearest, as a cast does).
                var a = Vector.Narrow(new Vector<double>(scale[c..]), new Vector<double>(scale[(c + half)..]));
                var b = Vector.Narrow(new Vector<double>(shift[c..]), new Vector<double>(shift[(c + half)..]));
                Vector.Widen(Vector.Abs(a), out var a0, out var a1);
                Vector.Widen(Vector.Abs(b), out var b0, out var b1);
                passes &= Passes(new Vector<double>(mean[c..]), new Vector<double>(variance[c..]), n, a0, b0, limit, grow, slack);
                passes &= Passes(new Vector<double>(mean[(c + half)..]), new Vector<double>(variance[(c + half)..]), n, a1, b1, limit, grow, slack);
            }

            if (!Vector.EqualsAll(passes, Vector<long>.AllBitsSet))
            {
                return false;
            }
        }

        for (; c < mean.Length; c++)
        {
            var deviation = Math.Sqrt(count * variance[c]) * (1 + Slack) + Math.Abs(mean[c]) * Slack;
            // The kernel multiplies by scale and adds shift rounded to float32.
            var a = Math.Abs((double)(float)scale[c]);
            var b = Math.Abs((double)(float)shift[c]);
            // Written so that NaN or an infinity anywhere fails the test.
            if (!(deviation <= Limit && a * deviation * (1 + Slack) + b <= Limit))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>All bits set in the lanes whose channel passes the test of the scalar loop (false for NaN).</summary>
    private static Vector<long> Passes(Vector<double> mean, Vector<double> variance, Vector<double> count, Vector<double> a, Vector<double> b,
        Vector<double> limit, Vector<double> grow, Vector<double> slack)
    {
        var deviation = Vector.SquareRoot(count * variance) * grow + Vector.Abs(mean) * slack;
        return Vector.LessThanOrEqual(deviation, limit) & Vector.LessThanOrEqual(a * deviation * grow + b, limit);
    }
}
