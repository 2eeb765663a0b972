using static BnEngine.Tests.Ops.TensorMaker;

namespace BnEngine.Tests.Ops;

public class BatchNormalizationTests
{
    [Fact]
    public void T1_Inference()
    {
        var y = BatchNormalization.Compute(Vector(1, 2, 3, 4), Vector(2.5f), Vector(1.25f), Vector(0.5f), Vector(2), 1e-3);
        Assert.Equal([4], y.Shape.ToArray());
        Close.All([-2.1822089, -0.39406963, 1.39406963, 3.1822089], y.Data.Span, 1e-6);
    }

    [Fact]
    public void OffsetAndScaleAreOptional()
    {
        var y = BatchNormalization.Compute(Vector(1, 2, 3, 4), Vector(2.5f), Vector(1.25f), null, null, 0);
        var s = Math.Sqrt(1.25);
        Close.All([-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s], y.Data.Span, 1e-6);
    }

    [Fact]
    public void T11_TensorFlowOrderOfOperations()
    {
        // x*inv + (-mean*inv) in float32 loses the fraction, exactly as TF does.
        var y = BatchNormalization.Compute(Vector(16777214, 16777216, 16777218), Vector(16777216), Vector(0.36f), null, null, 0);
        Assert.Equal([-4f, 0f, 4f], y.Data.ToArray());
    }

    public static TheoryData<int[], int[], int[], int[]?, int[]?> ParameterShapes() => new()
    {
        // x, mean, variance, offset, scale
        { [5, 3, 4], [4], [4], [4], [4] },
        { [2, 3, 4, 4], [1, 3, 1, 1], [1, 3, 1, 1], [1, 3, 1, 1], null },
        { [2, 3, 4, 4], [1, 3, 1, 1], [1, 3, 1, 1], null, [1, 3, 1, 1] },
        { [6, 5], [1, 5], [5], [1], [1, 1] },
        { [2, 3, 4], [2, 1, 4], [1, 1, 4], [2, 1, 1], [1, 1, 1] },
        { [2, 3, 4, 5], [1, 3, 4, 1], [3, 1, 1], [4, 1], [1, 3, 4, 1] },
        { [3, 4, 5], [3, 4, 5], [3, 4, 5], [3, 4, 5], [3, 4, 5] },
        { [7], [1], [7], null, null },
        { [2, 2, 3, 2, 3], [2, 1, 3, 1, 3], [1, 1, 3, 1, 1], null, [2, 1, 1, 1, 3] },
    };

    [Theory]
    [MemberData(nameof(ParameterShapes))]
    public void BroadcastingMatchesFloat64Reference(int[] xDims, int[] meanDims, int[] varDims, int[]? offsetDims, int[]? scaleDims)
    {
        var rng = new Random(xDims.Sum() * 31 + meanDims.Length);
        (float[] Data, int[] Dims) Make(int[] dims, double m, double s, bool positive = false)
        {
            var data = Normal(rng, dims.Aggregate(1, (p, d) => p * d), m, s);
            return (positive ? data.Select(v => Math.Abs(v) + 0.1f).ToArray() : data, dims);
        }

        var x = Make(xDims, 1, 2);
        var mean = Make(meanDims, 1, 1);
        var variance = Make(varDims, 0, 2, positive: true);
        var offset = offsetDims is null ? ((float[], int[])?)null : Make(offsetDims, 0, 1);
        var scale = scaleDims is null ? ((float[], int[])?)null : Make(scaleDims, 1, 1);
        Tensor? ToT((float[] Data, int[] Dims)? p) => p is { } v ? T(v.Dims, v.Data) : null;

        var y = BatchNormalization.Compute(T(x.Dims, x.Data), ToT(mean)!, ToT(variance)!, ToT(offset), ToT(scale), 1e-3);
        var expected = OpsReference.BatchNormalization(x.Data, xDims, mean, variance, offset, scale, 1e-3);
        Assert.Equal(xDims, y.Shape.ToArray());
        Close.All(expected, y.Data.Span, 1e-5);
    }

    [Fact]
    public void LargeChannelInputsUseEveryRemainder()
    {
        var rng = new Random(5);
        foreach (var (n, c) in new[] { (33, 67), (1, 1), (7, 9), (130, 16) })
        {
            var x = Normal(rng, n * c);
            var mean = Normal(rng, c);
            var variance = Normal(rng, c).Select(v => Math.Abs(v) + 0.5f).ToArray();
            var y = BatchNormalization.Compute(T([n, c], x), T([c], mean), T([c], variance), null, null, 1e-5);
            var expected = OpsReference.BatchNormalization(x, [n, c], (mean, [c]), (variance, [c]), null, null, 1e-5);
            Close.All(expected, y.Data.Span, 1e-5);
        }
    }

    [Theory]
    [InlineData("mean")]
    [InlineData("variance")]
    [InlineData("offset")]
    [InlineData("scale")]
    public void ParametersThatDoNotBroadcastNameTheirField(string field)
    {
        var good = Vector(1, 1, 1);
        var bad = Vector(1, 1);
        var x = T([2, 3], 1, 2, 3, 4, 5, 6);
        var ex = Assert.Throws<InvalidShapeException>(() => BatchNormalization.Compute(x,
            field == "mean" ? bad : good, field == "variance" ? bad : good, field == "offset" ? bad : good, field == "scale" ? bad : good, 0));
        Assert.Equal(field, ex.Field);
    }

    [Fact]
    public void ParameterOfHigherRankIsRejected()
    {
        var ex = Assert.Throws<InvalidShapeException>(() =>
            BatchNormalization.Compute(Vector(1, 2, 3), T([1, 3], 0, 0, 0), Vector(1), null, null, 0));
        Assert.Equal("mean", ex.Field);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("mean")]
    [InlineData("variance")]
    [InlineData("offset")]
    [InlineData("scale")]
    public void NonFiniteValuesNameTheirField(string field)
    {
        Tensor P(string name, float v) => Vector(1, field == name ? float.NaN : v);
        var ex = Assert.Throws<NonFiniteInputException>(() =>
            BatchNormalization.Compute(P("x", 1), P("mean", 0), P("variance", 1), P("offset", 0), P("scale", 1), 1e-3));
        Assert.Equal(field, ex.Field);
    }

    [Theory]
    [InlineData(-1e-3)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void BadEpsilonIsRejected(double eps)
    {
        var ex = Assert.Throws<InvalidOptionException>(() => BatchNormalization.Compute(Vector(1, 2), Vector(0), Vector(1), null, null, eps));
        Assert.Equal("variance_epsilon", ex.Field);
    }

    [Theory]
    [InlineData(0f, 0)]
    [InlineData(-1f, 0.5)]
    [InlineData(-1f, 1)]
    public void VariancePlusEpsilonMustBePositive(float variance, double eps)
    {
        var ex = Assert.Throws<InvalidOptionException>(() => BatchNormalization.Compute(Vector(1, 2), Vector(0), Vector(1, variance), null, null, eps));
        Assert.Equal("variance", ex.Field);
    }

    [Fact]
    public void NegativeVarianceWithLargerEpsilonIsAccepted()
    {
        var y = BatchNormalization.Compute(Vector(3), Vector(1), Vector(-0.75f), null, null, 1);
        Assert.Equal(4f, y.Data.Span[0], 5);
    }

    [Fact]
    public void DataLengthMismatchIsRejected()
    {
        var mean = new Tensor(TensorShape.Create([2], "m"), new float[] { 1 });
        var ex = Assert.Throws<InvalidShapeException>(() => BatchNormalization.Compute(Vector(1, 2), mean, Vector(1), null, null, 0));
        Assert.Equal("mean", ex.Field);
    }
}
