using static BnEngine.Tests.Ops.TensorMaker;

namespace BnEngine.Tests.Ops;

/// <summary>
/// <see cref="BatchNormalization"/> into a caller's buffer: the same bits as the overload that allocates, for every way
/// the parameters broadcast, with whatever the buffer held before; a buffer of another length is refused.
/// </summary>
public class BatchNormalizationOutputTests
{
    public static TheoryData<int[], int[], int[], int[]?, int[]?> ParameterShapes() => BatchNormalizationTests.ParameterShapes();

    [Theory]
    [MemberData(nameof(ParameterShapes))]
    public void TheBufferGetsTheSameBitsAsANewTensor(int[] xDims, int[] meanDims, int[] varDims, int[]? offsetDims, int[]? scaleDims)
    {
        var rng = new Random(xDims.Sum() * 17 + meanDims.Length);
        Tensor Make(int[] dims, double m, double s, bool positive = false)
        {
            var data = Normal(rng, dims.Aggregate(1, (p, d) => p * d), m, s);
            return T(dims, positive ? [.. data.Select(v => Math.Abs(v) + 0.1f)] : data);
        }

        var x = Make(xDims, 1, 2);
        var mean = Make(meanDims, 1, 1);
        var variance = Make(varDims, 0, 2, positive: true);
        var offset = offsetDims is null ? null : Make(offsetDims, 0, 1);
        var scale = scaleDims is null ? null : Make(scaleDims, 1, 1);
        var expected = BatchNormalization.Compute(x, mean, variance, offset, scale, 1e-3);

        var output = Enumerable.Repeat(float.NaN, x.Data.Length).ToArray();
        BatchNormalization.Compute(x, mean, variance, offset, scale, 1e-3, output);

        Assert.Equal(Bits(expected.Data.Span), Bits(output));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void ABufferOfAnotherLengthIsRefused(int length)
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            BatchNormalization.Compute(Vector(1, 2, 3, 4), Vector(2.5f), Vector(1.25f), null, null, 0, new float[length]));
        Assert.Equal("output", ex.ParamName);
    }

    [Fact]
    public void TheInputsAreCheckedFirstAsBefore()
    {
        Assert.Throws<NonFiniteInputException>(() =>
            BatchNormalization.Compute(Vector(1, float.NaN), Vector(0), Vector(1), null, null, 0, new float[1]));
    }

    private static int[] Bits(ReadOnlySpan<float> values)
    {
        var bits = new int[values.Length];
        for (var i = 0; i < bits.Length; i++)
        {
            bits[i] = BitConverter.SingleToInt32Bits(values[i]);
        }

        return bits;
    }
}
