using BnEngine.Activations;
using BnEngine.Kernels;

namespace BnEngine.Tests.Layers;

public class FiniteCheckedAffineTests
{
    public static TheoryData<int, int, int, int> Layouts => new()
    {
        { 1000, 7, 1, 64 }, // NHWC: whole rows
        { 3, 1000, 1, 64 }, // NHWC rows longer than a block: one row per block
        { 9, 3, 5, 64 }, // NCHW: several rows per block
        { 4, 10, 20, 64 }, // NCHW: a row's range of channels
        { 2, 3, 1000, 64 }, // NCHW: pieces of one channel's run
        { 1, 1, 1, 64 },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void BlocksCoverEveryElementOnceWithTheirChannels(int outer, int channels, int inner, int blockElements)
    {
        var layout = new ChannelLayout(outer, channels, inner);
        var split = new FiniteCheckedAffine.BlockSplit(layout, blockElements);
        var seen = new int[outer * channels * inner];

        for (long b = 0; b < split.Count; b++)
        {
            var (offset, view, first) = split[b];
            Assert.True(view.Inner == 1 || view.Outer * view.Channels * view.Inner <= blockElements || view.Channels == channels);
            for (var o = 0; o < view.Outer; o++)
            {
                for (var c = 0; c < view.Channels; c++)
                {
                    for (var i = 0; i < view.Inner; i++)
                    {
                        var index = offset + (o * view.Channels + c) * view.Inner + i;
                        seen[index]++;
                        Assert.Equal(index / inner % channels, first + c);
                    }
                }
            }
        }

        Assert.All(seen, count => Assert.Equal(1, count));
    }

    [Theory]
    [InlineData(512, 64, 1, 10)] // NHWC [512*10, 64]
    [InlineData(8, 64, 1024, 1)] // NCHW [8, 64, 32, 32]
    [InlineData(2, 3, 200_000, 1)] // NCHW, channel runs longer than a block
    public void LargeInputsMatchThePlainKernelAndFindEveryBadValue(int outer, int channels, int inner, int repeat)
    {
        var layout = new ChannelLayout(outer * repeat, channels, inner);
        var count = layout.Outer * channels * inner;
        var random = new Random(7);
        var x = Enumerable.Range(0, count).Select(_ => (float)(1e4 + random.NextDouble())).ToArray();
        var mean = Enumerable.Range(0, channels).Select(c => 1e4 + 0.01 * c).ToArray();
        var scale = Enumerable.Range(0, channels).Select(c => 1.0 + c).ToArray();
        var shift = Enumerable.Range(0, channels).Select(c => -0.5 * c).ToArray();
        var expected = new float[count];
        ChannelKernels.Affine(x, expected, layout, mean, scale, shift);
        var actual = new float[count];

        Assert.Equal(-1, FiniteCheckedAffine.Run(x, actual, layout, mean, scale, shift, Activation.None));
        Assert.Equal(expected, actual);

        foreach (var at in new[] { 0, count / 3, count - 1 })
        {
            var bad = (float[])x.Clone();
            bad[at] = float.NaN;
            Assert.Equal(at, FiniteCheckedAffine.Run(bad, actual, layout, mean, scale, shift, Activation.None));
            bad[at] = float.NegativeInfinity;
            Assert.Equal(at, FiniteCheckedAffine.Run(bad, actual, layout, mean, scale, shift, Activation.None));
            // Neither a zero scale nor an activation that maps NaN and infinities to finite values hides a bad input.
            Assert.Equal(at, FiniteCheckedAffine.Run(bad, actual, layout, mean, new double[channels], shift, Activation.Relu));
            Assert.Equal(at, FiniteCheckedAffine.Run(bad, actual, layout, mean, scale, shift, Activation.Sigmoid));

            // A finite value whose output overflows: found, with its index.
            bad[at] = 3e38f;
            var doubled = scale.Select(v => 2 * v).ToArray();
            Assert.Equal(at, FiniteCheckedAffine.Run(bad, actual, layout, mean, doubled, shift, Activation.None));
        }

        // The activation runs on each block: the same values as activating the whole output afterwards.
        ActivationFunctions.Apply(Activation.Elu, expected);
        Assert.Equal(-1, FiniteCheckedAffine.Run(x, actual, layout, mean, scale, shift, Activation.Elu));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void LayerInferRejectsABadValueInALargeInput()
    {
        var layer = new BatchNormLayer(LayerConfig.Resolve(new LayerSpec { Name = "big", Channels = 16, DataFormat = DataFormat.Nchw }));
        var shape = TensorShape.Create([8, 16, 64, 64], "input.shape");
        var x = new float[shape.ElementCount];
        x[300_001] = float.PositiveInfinity;

        var ex = Assert.Throws<NonFiniteInputException>(() => layer.Infer(shape, x, new float[x.Length]));

        Assert.Equal("input", ex.Field);
        Assert.Contains("index 300001", ex.Message);
    }
}
