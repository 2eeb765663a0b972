namespace BnEngine;

/// <summary><c>tf.nn.batch_normalization</c> (bn-math.md §2), stateless, TF's exact order of operations.</summary>
public static class BatchNormalization
{
    /// <summary>
    /// y = x*inv + (offset - mean*inv), inv = rsqrt(variance + eps) * scale. mean, variance, offset and scale
    /// either broadcast against x (same rank) or are 1-D over the last axis; offset and scale are optional.
    /// </summary>
    public static Tensor Compute(Tensor x, Tensor mean, Tensor variance, Tensor? offset, Tensor? scale, double varianceEpsilon)
        => throw new NotImplementedException();
}
