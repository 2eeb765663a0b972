namespace BnEngine;

/// <summary>
/// The range a configured number must lie in when it enters float32 math (the affine step, the gradients): a
/// larger magnitude could only produce infinities, an epsilon below float32's smallest normal value only NaN or
/// overflow for a channel whose values are all equal (docs/conventions.md "Numeric ranges").
/// </summary>
public static class Float32Range
{
    /// <summary>The largest magnitude a configured number or a parameter may have: float32's largest finite value.</summary>
    public const double MaxMagnitude = float.MaxValue;

    /// <summary>The smallest epsilon: float32's smallest positive normal value, 2^-126; 1/sqrt(epsilon) then stays below 1e19.</summary>
    public const double MinEpsilon = 1.1754943508222875E-38;

    /// <summary>Whether <paramref name="value"/> is finite with a magnitude of at most <see cref="MaxMagnitude"/>.</summary>
    public static bool Contains(double value) => Math.Abs(value) <= MaxMagnitude;
}
