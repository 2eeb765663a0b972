using BnEngine;

namespace BnService.Tests.Allocations;

/// <summary>
/// The stateless ops' 1 MB cases: moments over the batch axis (unweighted, or with weights of the input's full shape),
/// batch_normalization with per-channel parameters (or with all of them at the input's full shape), and the engine's
/// own answers to compare with (the overloads that allocate, which the service called before its arrays were pooled).
/// </summary>
internal static class OpCases
{
    public static readonly long[] ChannelShape = [Batches.Channels];

    public static readonly int[] Axes = [0];

    /// <summary>Values for moments, and weights (or none).</summary>
    public static (float[] Input, float[]? Weights) Moments(int seed, bool weighted) =>
        (Batches.Random(seed, offset: 3), weighted ? Batches.Random(seed + 1, scale: 0.5f, offset: 1f) : null);

    public static MomentsResult ExpectedMoments(float[] input, float[]? weights) =>
        BnEngine.Moments.Compute(Engine(Batches.Shape, input), Axes, keepDims: false, weights is null ? null : Engine(Batches.Shape, weights));

    /// <summary>x, then mean, variance, offset and scale, each per channel or of x's full shape.</summary>
    public static (float[] X, long[] ParamShape, float[] Mean, float[] Variance, float[] Offset, float[] Scale) Normalization(int seed, bool fullShape)
    {
        var shape = fullShape ? Batches.Shape : ChannelShape;
        var count = fullShape ? Batches.Count : Batches.Channels;
        float[] Param(int s, float scale, float offset) => Batches.Random(s, scale, offset)[..count];
        return (Batches.Random(seed, offset: 2), shape, Param(seed + 1, 1, 2), Param(seed + 2, 0.5f, 1f), Param(seed + 3, 1, 0), Param(seed + 4, 0.5f, 1));
    }

    public static float[] ExpectedNormalization(float[] x, long[] paramShape, float[] mean, float[] variance, float[] offset, float[] scale,
        double epsilon) =>
        BnEngine.BatchNormalization.Compute(Engine(Batches.Shape, x), Engine(paramShape, mean), Engine(paramShape, variance),
            Engine(paramShape, offset), Engine(paramShape, scale), epsilon).Data.ToArray();

    public static long[] Dims(Tensor tensor) => [.. tensor.Shape.Dims.ToArray().Select(d => (long)d)];

    private static Tensor Engine(long[] shape, float[] values) => new(TensorShape.Create(shape, "shape", minRank: 0), (float[])values.Clone());
}
