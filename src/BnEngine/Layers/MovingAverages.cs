using System.Numerics.Tensors;

namespace BnEngine;

/// <summary>
/// Moving averages as the frameworks define them (bn-math.md §5, §9.1): the TF decay convention
/// <c>average = decay*average + (1-decay)*value</c>, the cumulative average, <c>num_updates</c> and zero-debias.
/// </summary>
public static class MovingAverages
{
    /// <summary>
    /// The decay the next update uses. <paramref name="decay"/> null: the cumulative average, whose k-th update
    /// uses 1 - 1/k (PyTorch <c>momentum=None</c>, §9.1). With <paramref name="useNumUpdates"/>:
    /// min(decay, (1+n)/(10+n)) (ExponentialMovingAverage, §5.3). <paramref name="updatesBefore"/> = n, the
    /// updates applied before this one.
    /// </summary>
    public static double DecayFor(double? decay, bool useNumUpdates, long updatesBefore)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(updatesBefore);
        if (decay is not { } d)
        {
            return 1.0 - 1.0 / (updatesBefore + 1);
        }

        return useNumUpdates ? Math.Min(d, (1.0 + updatesBefore) / (10.0 + updatesBefore)) : d;
    }

    /// <summary>average = decay*average + (1-decay)*value, per element.</summary>
    public static void Update(Span<double> average, ReadOnlySpan<double> value, double decay)
    {
        TensorPrimitives.Multiply(average, decay, average);
        TensorPrimitives.MultiplyAdd(value, 1 - decay, average, average);
    }

    /// <summary>
    /// <c>assign_moving_average(zero_debias=True)</c> (§5.2): biased = decay*biased + (1-decay)*value, then
    /// average = biased / (1 - decay^t) with t = <paramref name="localStep"/> after this update (at least 1) and the
    /// decay of this update. The previous average is never read.
    /// </summary>
    public static void ZeroDebiasedUpdate(Span<double> average, Span<double> biased, ReadOnlySpan<double> value, double decay, long localStep)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(localStep, 1);
        Update(biased, value, decay);
        var correction = 1 - Math.Pow(decay, localStep);
        for (var i = 0; i < average.Length; i++)
        {
            average[i] = biased[i] / correction;
        }
    }
}
