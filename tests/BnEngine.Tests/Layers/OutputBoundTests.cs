using BnEngine.Kernels;

namespace BnEngine.Tests.Layers;

public class OutputBoundTests
{
    [Fact]
    public void AnOrdinaryBatchIsProvenFinite() =>
        Assert.True(OutputBound.ProvesFinite([0.5, -3], [1, 4], 1 << 24, [1 / Math.Sqrt(1.001), 2], [0, 1]));

    [Theory]
    [InlineData(3e38, 0)] // scale * sqrt(n * variance) beyond the limit
    [InlineData(1, 1e38)] // shift alone close to float32's largest value
    [InlineData(double.PositiveInfinity, 0)]
    [InlineData(double.NaN, 0)]
    [InlineData(1e39, 0)] // a scale that rounds to an infinite float32
    public void LargeOrNonFiniteCoefficientsAreNotProven(double scale, double shift) =>
        Assert.False(OutputBound.ProvesFinite([0], [1], 10, [scale], [shift]));

    [Fact]
    public void WhateverItProvesIsFinite()
    {
        // Batches with one far outlier, scaled so the bound sits on either side of its limit.
        var random = new Random(3);
        var proven = 0;
        for (var trial = 0; trial < 400; trial++)
        {
            var n = random.Next(2, 50);
            var x = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            x[random.Next(n)] = (float)Math.Pow(10, random.Next(0, 39));
            var layout = new ChannelLayout(n, 1, 1);
            var mean = new double[1];
            var variance = new double[1];
            ChannelKernels.Moments(x, layout, mean, variance);
            var scale = new[] { Math.Pow(10, random.Next(-5, 6)) / Math.Sqrt(variance[0] + 1e-3) * Math.Pow(10, random.Next(0, 38)) };
            double[] shift = [random.NextDouble() * 1e37];
            var y = new float[n];
            ChannelKernels.Affine(x, y, layout, mean, scale, shift);
            if (OutputBound.ProvesFinite(mean, variance, n, scale, shift))
            {
                proven++;
                Assert.All(y, v => Assert.True(float.IsFinite(v)));
            }
        }

        Assert.InRange(proven, 1, 399);
    }
}
