namespace BnEngine;

/// <summary>
/// The per-channel coefficients of the layer's affine step <c>y = (x - mean) * scale + shift</c>:
/// y = gamma*((x - mean)/stddev*r + d) + beta (bn-math.md §8.1; r = 1, d = 0 without renorm).
/// </summary>
internal static class AffineCoefficients
{
    public static void Fill(ReadOnlySpan<double> gamma, ReadOnlySpan<double> beta, ReadOnlySpan<double> stddev,
        ReadOnlySpan<double> r, ReadOnlySpan<double> d, Span<double> scale, Span<double> shift)
    {
        for (var i = 0; i < scale.Length; i++)
        {
            scale[i] = gamma[i] * r[i] / stddev[i];
            shift[i] = gamma[i] * d[i] + beta[i];
        }
    }
}
