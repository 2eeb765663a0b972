namespace BnEngine;

/// <summary>Result of <see cref="Moments.Compute"/>.</summary>
public sealed record MomentsResult(Tensor Mean, Tensor Variance);

/// <summary><c>tf.nn.moments</c> and <c>tf.nn.weighted_moments</c> (bn-math.md §3), stateless.</summary>
public static class Moments
{
    /// <summary>
    /// Mean and biased variance of <paramref name="input"/> over <paramref name="axes"/>.
    /// With <paramref name="frequencyWeights"/> (broadcastable to the input), the weighted form.
    /// <paramref name="shift"/> is accepted and, like TF, does not change the result.
    /// </summary>
    public static MomentsResult Compute(Tensor input, IReadOnlyList<int> axes, bool keepDims, Tensor? frequencyWeights = null, double? shift = null)
        => throw new NotImplementedException();
}
