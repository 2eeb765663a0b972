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
        for (var c = 0; c < mean.Length; c++)
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
}
