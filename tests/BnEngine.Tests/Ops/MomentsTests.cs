using static BnEngine.Tests.Ops.TensorMaker;

namespace BnEngine.Tests.Ops;

public class MomentsTests
{
    [Fact]
    public void T7_WeightedMoments1D()
    {
        var r = Moments.Compute(Vector(1, 2, 3, 4), [0], keepDims: false, Vector(1, 1, 0, 2));
        Assert.Equal(0, r.Mean.Shape.Rank);
        Assert.Equal(2.75f, r.Mean.Data.Span[0], 6);
        Assert.Equal(1.6875f, r.Variance.Data.Span[0], 6);
    }

    [Fact]
    public void T7_BatchWeightsBroadcastOverColumns()
    {
        var x = T([3, 2], 1, 10, 3, 30, 5, 50);
        var r = Moments.Compute(x, [0], keepDims: false, T([3, 1], 1, 0, 3));
        Assert.Equal([2], r.Mean.Shape.ToArray());
        Close.All([4, 40], r.Mean.Data.Span, 1e-6);
        Close.All([3, 300], r.Variance.Data.Span, 1e-6);
    }

    [Fact]
    public void EachBroadcastCopyCountsInTheSumOfWeights()
    {
        // Per-example weights [2,1] on an NHWC [2,2,1]: each weight counts twice (H = 2).
        var x = T([2, 2, 1], 1, 3, 5, 9);
        var r = Moments.Compute(x, [0, 1], keepDims: true, T([2, 1, 1], 2, 1));
        Assert.Equal([1, 1, 1], r.Mean.Shape.ToArray());
        var (mean, variance, _) = OpsReference.Moments([1, 3, 5, 9], [2, 2, 1], [0, 1], true, [2, 1], [2, 1, 1]);
        Assert.Equal((2 * 1 + 2 * 3 + 5 + 9) / 6.0, mean[0], 12);
        Close.All(mean, r.Mean.Data.Span, 1e-6);
        Close.All(variance, r.Variance.Data.Span, 1e-6);
    }

    [Fact]
    public void AllZeroWeightsGiveZeroMeanAndVariance()
    {
        var r = Moments.Compute(T([2, 2], 1, 2, 3, 4), [0], keepDims: false, T([2, 1], 0, 0));
        Assert.Equal([0f, 0f], r.Mean.Data.ToArray());
        Assert.Equal([0f, 0f], r.Variance.Data.ToArray());
    }

    [Fact]
    public void T10_Float32NearTenThousandHasExactVariance()
    {
        var r = Moments.Compute(Vector(10001, 10002, 10003, 10004), [0], keepDims: false);
        Assert.Equal(10002.5f, r.Mean.Data.Span[0]);
        Assert.Equal(1.25, r.Variance.Data.Span[0], 1e-6 * 1.25);
    }

    [Fact]
    public void HostileDataMatchesFloat64To1e6()
    {
        var rng = new Random(10);
        var dims = new[] { 4096, 3 };
        var x = Normal(rng, 4096 * 3, mean: 1e4, std: 1);
        var r = Moments.Compute(T(dims, x), [0], keepDims: false);
        var (mean, variance, _) = OpsReference.Moments(x, dims, [0], false);
        Close.All(mean, r.Mean.Data.Span, 1e-7, what: "mean");
        Close.All(variance, r.Variance.Data.Span, 1e-6, what: "variance");
    }

    [Fact]
    public void ShiftDoesNotChangeTheResult()
    {
        var x = T([2, 3], 1, 2, 3, 4, 5, 7);
        var plain = Moments.Compute(x, [1], keepDims: false);
        var shifted = Moments.Compute(x, [1], keepDims: false, shift: 1000);
        Assert.Equal(plain.Mean.Data.ToArray(), shifted.Mean.Data.ToArray());
        Assert.Equal(plain.Variance.Data.ToArray(), shifted.Variance.Data.ToArray());
    }

    [Fact]
    public void NegativeAxesCountFromTheEnd()
    {
        var x = T([2, 3, 2], Normal(new Random(3), 12));
        var neg = Moments.Compute(x, [-1, -3], keepDims: false);
        var pos = Moments.Compute(x, [0, 2], keepDims: false);
        Assert.Equal([3], neg.Mean.Shape.ToArray());
        Assert.Equal(pos.Mean.Data.ToArray(), neg.Mean.Data.ToArray());
        Assert.Equal(pos.Variance.Data.ToArray(), neg.Variance.Data.ToArray());
    }

    [Fact]
    public void EmptyAxesReduceNothing()
    {
        var r = Moments.Compute(T([2, 2], 1, 2, 3, 4), [], keepDims: false);
        Assert.Equal([2, 2], r.Mean.Shape.ToArray());
        Assert.Equal([1f, 2, 3, 4], r.Mean.Data.ToArray());
        Assert.Equal([0f, 0, 0, 0], r.Variance.Data.ToArray());
    }

    [Fact]
    public void RandomShapesAxesAndWeightsMatchFloat64Reference()
    {
        var rng = new Random(20261127);
        for (var trial = 0; trial < 300; trial++)
        {
            var rank = rng.Next(1, 6);
            var dims = Enumerable.Range(0, rank).Select(_ => rng.Next(1, 6)).ToArray();
            var count = dims.Aggregate(1, (p, d) => p * d);
            var x = Normal(rng, count, mean: rng.Next(-3, 4), std: 2);
            var axes = Enumerable.Range(0, rank).Where(_ => rng.Next(2) == 0).Select(a => rng.Next(2) == 0 ? a : a - rank).ToArray();
            var keepDims = rng.Next(2) == 0;
            float[]? w = null;
            int[]? wDims = null;
            if (rng.Next(2) == 0)
            {
                var drop = rng.Next(0, rank + 1);
                wDims = dims.Skip(drop).Select(d => rng.Next(2) == 0 ? 1 : d).ToArray();
                w = Enumerable.Range(0, wDims.Aggregate(1, (p, d) => p * d)).Select(_ => (float)rng.Next(0, 4)).ToArray();
            }

            var r = Moments.Compute(T(dims, x), axes, keepDims, w is null ? null : T(wDims!, w));
            var (mean, variance, outDims) = OpsReference.Moments(x, dims, axes, keepDims, w, wDims);
            var what = $"trial {trial}: dims [{string.Join(",", dims)}] axes [{string.Join(",", axes)}] weights [{string.Join(",", wDims ?? [])}]";
            Assert.Equal(outDims, r.Mean.Shape.ToArray());
            Assert.Equal(outDims, r.Variance.Shape.ToArray());
            Close.All(mean, r.Mean.Data.Span, 1e-5, what: what + " mean");
            Close.All(variance, r.Variance.Data.Span, 1e-5, what: what + " variance");
        }
    }

    [Theory]
    [InlineData(new[] { 2 })]
    [InlineData(new[] { -3 })]
    [InlineData(new[] { 0, 0 })]
    [InlineData(new[] { 1, -1 })]
    public void BadAxesAreRejected(int[] axes)
    {
        var ex = Assert.Throws<InvalidOptionException>(() => Moments.Compute(T([2, 2], 1, 2, 3, 4), axes, keepDims: false));
        Assert.Equal("axes", ex.Field);
    }

    [Fact]
    public void NullAxesAreRejected()
    {
        var ex = Assert.Throws<InvalidOptionException>(() => Moments.Compute(T([2, 2], 1, 2, 3, 4), null!, keepDims: false));
        Assert.Equal("axes", ex.Field);
    }

    [Theory]
    [InlineData(new[] { 3 })]
    [InlineData(new[] { 2, 1, 1 })]
    [InlineData(new[] { 2, 3 })]
    public void WeightsThatDoNotBroadcastAreRejected(int[] wDims)
    {
        var w = new float[wDims.Aggregate(1, (p, d) => p * d)];
        var ex = Assert.Throws<InvalidShapeException>(() => Moments.Compute(T([2, 2], 1, 2, 3, 4), [0], false, T(wDims, w)));
        Assert.Equal("frequency_weights", ex.Field);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void NonFiniteValuesAreRejected(float bad)
    {
        var ex = Assert.Throws<NonFiniteInputException>(() => Moments.Compute(T([2, 2], 1, bad, 3, 4), [0], false));
        Assert.Equal("input", ex.Field);
        ex = Assert.Throws<NonFiniteInputException>(() => Moments.Compute(T([2, 2], 1, 2, 3, 4), [0], false, T([2, 1], 1, bad)));
        Assert.Equal("frequency_weights", ex.Field);
    }

    [Fact]
    public void DataLengthMismatchIsRejected()
    {
        var x = new Tensor(TensorShape.Create([2, 2], "x"), new float[] { 1, 2, 3 });
        var ex = Assert.Throws<InvalidShapeException>(() => Moments.Compute(x, [0], false));
        Assert.Equal("input", ex.Field);
    }

    [Fact]
    public void VarianceOverflowingFloat32IsRejected()
    {
        var ex = Assert.Throws<NonFiniteInputException>(() => Moments.Compute(Vector(-3e38f, 3e38f), [0], false));
        Assert.Equal("input", ex.Field);
    }
}
