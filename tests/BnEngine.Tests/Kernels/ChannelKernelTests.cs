using BnEngine.Kernels;
using static BnEngine.Tests.Kernels.KernelCases;

namespace BnEngine.Tests.Kernels;

public class ChannelKernelTests
{
    private static string Case(ChannelLayout l, KernelOptions o) => $"{l} {o}";

    [Fact]
    public void MomentsMatchFloat64()
    {
        var rng = new Random(1);
        foreach (var layout in Layouts(nonEmpty: true))
        {
            var x = Normal(rng, layout.PerChannel * layout.Channels, mean: 3, std: 2);
            var (mean, variance) = KernelReference.Moments(x, layout);
            foreach (var options in Options())
            {
                var m = new double[layout.Channels];
                var v = new double[layout.Channels];
                ChannelKernels.Moments(x, layout, m, v, options);
                for (var c = 0; c < layout.Channels; c++)
                {
                    // NHWC moment sums run in float32 over blocks of rows (merged in double): ~1e-7 relative.
                    Near(mean[c], m[c], 1e-7 * (Math.Abs(mean[c]) + Math.Sqrt(variance[c])), $"{Case(layout, options)} mean[{c}]");
                    Near(variance[c], v[c], 1e-6 * variance[c], $"{Case(layout, options)} variance[{c}]");
                }
            }
        }
    }

    [Fact]
    public void WeightedMomentsMatchFloat64()
    {
        var rng = new Random(2);
        foreach (var layout in Layouts(nonEmpty: true))
        {
            var x = Normal(rng, layout.PerChannel * layout.Channels, mean: -1, std: 3);
            var rowsPerWeight = layout.Outer == 2 ? 2 : 1;
            var weights = Enumerable.Range(0, layout.Outer / rowsPerWeight).Select(_ => (float)rng.Next(0, 4)).ToArray();
            weights[0] = 2;
            var (mean, variance) = KernelReference.Moments(x, layout, o => weights[o / rowsPerWeight]);
            foreach (var options in Options())
            {
                var m = new double[layout.Channels];
                var v = new double[layout.Channels];
                var sumW = ChannelKernels.WeightedMoments(x, layout, weights, rowsPerWeight, m, v, options);
                Assert.Equal(weights.Sum() * rowsPerWeight * layout.Inner, sumW, 9);
                for (var c = 0; c < layout.Channels; c++)
                {
                    // NHWC moment sums run in float32 over blocks of rows (merged in double): ~1e-7 relative.
                    Near(mean[c], m[c], 1e-7 * (Math.Abs(mean[c]) + Math.Sqrt(variance[c])), $"{Case(layout, options)} mean[{c}]");
                    Near(variance[c], v[c], 1e-6 * variance[c], $"{Case(layout, options)} variance[{c}]");
                }
            }
        }
    }

    [Fact]
    public void ZeroWeightsGiveZeroMoments()
    {
        var layout = new ChannelLayout(4, 3, 2);
        var m = new double[3];
        var v = new double[3];
        var sumW = ChannelKernels.WeightedMoments(Normal(new Random(3), 24), layout, new float[4], 1, m, v);
        Assert.Equal(0, sumW);
        Assert.Equal(new double[3], m);
        Assert.Equal(new double[3], v);
    }

    [Fact]
    public void HostileVarianceMatchesFloat64To1e6()
    {
        // T10-like: float32 around 1e4 with std 1, large N, in both layouts and every path.
        var rng = new Random(4);
        foreach (var layout in new[] { new ChannelLayout(40000, 3, 1), new ChannelLayout(7001, 19, 1), new ChannelLayout(8, 3, 5001), new ChannelLayout(1, 1, 120007) })
        {
            var x = Normal(rng, layout.PerChannel * layout.Channels, mean: 1e4, std: 1);
            var (mean, variance) = KernelReference.Moments(x, layout);
            foreach (var options in Options())
            {
                var m = new double[layout.Channels];
                var v = new double[layout.Channels];
                ChannelKernels.Moments(x, layout, m, v, options);
                for (var c = 0; c < layout.Channels; c++)
                {
                    Near(mean[c], m[c], 1e-12 * mean[c], $"{Case(layout, options)} mean[{c}]");
                    Near(variance[c], v[c], 1e-6 * variance[c], $"{Case(layout, options)} variance[{c}]");
                }
            }
        }
    }

    [Fact]
    public void HugeFiniteValuesDoNotOverflowTheStatistics()
    {
        // |x - k| near 1e20: float32 squares overflow, the statistics (in double) must not.
        var rng = new Random(11);
        foreach (var (layout, scale) in new[]
        {
            (new ChannelLayout(67, 16, 1), 1e20), (new ChannelLayout(603, 16, 1), 1e20), (new ChannelLayout(3, 2, 40), 1e20),
            (new ChannelLayout(67, 16, 1), 3e38), (new ChannelLayout(603, 16, 1), 3e38), (new ChannelLayout(3, 2, 40), 3e38),
        })
        {
            // At 3e38 even a float32 sum of two values overflows (the pilot shift must cope too).
            var x = Normal(rng, layout.PerChannel * layout.Channels).Select(v => (float)(scale * Math.Clamp(v, -1, 1))).ToArray();
            var (mean, variance) = KernelReference.Moments(x, layout);
            foreach (var options in Options())
            {
                var m = new double[layout.Channels];
                var v = new double[layout.Channels];
                ChannelKernels.Moments(x, layout, m, v, options);
                for (var c = 0; c < layout.Channels; c++)
                {
                    Near(mean[c], m[c], 1e-7 * Math.Sqrt(variance[c]), $"{Case(layout, options)} mean[{c}]");
                    Near(variance[c], v[c], 1e-6 * variance[c], $"{Case(layout, options)} variance[{c}]");
                }
            }
        }
    }

    [Fact]
    public void NonFiniteInputGivesNonFiniteStatistics()
    {
        // The layer relies on this to check finiteness without a separate pass.
        foreach (var bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            foreach (var layout in new[] { new ChannelLayout(67, 16, 1), new ChannelLayout(603, 16, 1), new ChannelLayout(3, 2, 40) })
            {
                foreach (var at in new[] { 0, 5, (int)(layout.PerChannel * layout.Channels) - 1 })
                {
                    var x = Normal(new Random(12), layout.PerChannel * layout.Channels);
                    x[at] = bad;
                    foreach (var options in Options())
                    {
                        var m = new double[layout.Channels];
                        var v = new double[layout.Channels];
                        ChannelKernels.Moments(x, layout, m, v, options);
                        Assert.Contains(m, value => !double.IsFinite(value));
                    }
                }
            }
        }
    }

    [Fact]
    public void T10_ExactVariance()
    {
        foreach (var options in Options())
        {
            var m = new double[1];
            var v = new double[1];
            ChannelKernels.Moments([10001f, 10002f, 10003f, 10004f], new ChannelLayout(4, 1, 1), m, v, options);
            Assert.Equal(10002.5, m[0]);
            Assert.Equal(1.25, v[0]);
        }
    }

    [Fact]
    public void AffineMatchesFloat64()
    {
        var rng = new Random(5);
        foreach (var layout in Layouts(nonEmpty: false))
        {
            var x = Normal(rng, layout.PerChannel * layout.Channels, mean: 1, std: 2);
            var mean = NormalDoubles(rng, layout.Channels, 1);
            var scale = NormalDoubles(rng, layout.Channels);
            var shift = NormalDoubles(rng, layout.Channels);
            var expected = KernelReference.Map(x, layout, (i, c) => (x[i] - mean[c]) * scale[c] + shift[c]);
            foreach (var options in Options())
            {
                var y = new float[x.Length];
                ChannelKernels.Affine(x, y, layout, mean, scale, shift, options);
                for (var i = 0; i < y.Length; i++)
                {
                    Near(expected[i], y[i], 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"{Case(layout, options)} y[{i}]");
                }
            }
        }
    }

    [Fact]
    public void AffineKeepsPrecisionFarFromZero()
    {
        // Data around 1e4 with std 1 and a mean known better than float32: the centred value must not lose it.
        var rng = new Random(6);
        foreach (var layout in new[] { new ChannelLayout(500, 19, 1), new ChannelLayout(4000, 19, 1), new ChannelLayout(3, 2, 777) })
        {
            var x = Normal(rng, layout.PerChannel * layout.Channels, mean: 1e4, std: 1);
            var (mean, variance) = KernelReference.Moments(x, layout);
            var scale = variance.Select(v => 1 / Math.Sqrt(v)).ToArray();
            var shift = new double[layout.Channels];
            var expected = KernelReference.Map(x, layout, (i, c) => (x[i] - mean[c]) * scale[c]);
            foreach (var options in Options())
            {
                var y = new float[x.Length];
                ChannelKernels.Affine(x, y, layout, mean, scale, shift, options);
                for (var i = 0; i < y.Length; i++)
                {
                    Near(expected[i], y[i], 1e-6 * Math.Max(1, Math.Abs(expected[i])), $"{Case(layout, options)} y[{i}]");
                }
            }
        }
    }

    [Fact]
    public void MultiplyAddMatchesFloat32Order()
    {
        var rng = new Random(7);
        foreach (var layout in Layouts(nonEmpty: false))
        {
            var x = Normal(rng, layout.PerChannel * layout.Channels);
            var a = Normal(rng, layout.Channels);
            var b = Normal(rng, layout.Channels);
            foreach (var options in Options())
            {
                var y = new float[x.Length];
                ChannelKernels.MultiplyAdd(x, y, layout, a, b, options);
                var expected = KernelReference.Map(x, layout, (i, c) => x[i] * a[c] + b[c]);
                for (var i = 0; i < y.Length; i++)
                {
                    Near(expected[i], y[i], 1e-6 * Math.Max(1, Math.Abs(expected[i])), $"{Case(layout, options)} y[{i}]");
                }
            }
        }
    }

    [Fact]
    public void BackwardSumsMatchFloat64()
    {
        var rng = new Random(8);
        foreach (var layout in Layouts(nonEmpty: false))
        {
            var count = layout.PerChannel * layout.Channels;
            var x = Normal(rng, count, mean: 50, std: 2);
            var dy = Normal(rng, count);
            var mean = NormalDoubles(rng, layout.Channels, 50);
            var (sumDy, sumDyXmu, magnitude) = KernelReference.BackwardSums(x, dy, layout, mean);
            foreach (var options in Options())
            {
                var s1 = new double[layout.Channels];
                var s2 = new double[layout.Channels];
                ChannelKernels.BackwardSums(x, dy, layout, mean, s1, s2, options);
                for (var c = 0; c < layout.Channels; c++)
                {
                    Near(sumDy[c], s1[c], 1e-12 * (magnitude[c] + 1), $"{Case(layout, options)} sumDy[{c}]");
                    Near(sumDyXmu[c], s2[c], 1e-12 * (magnitude[c] + 1), $"{Case(layout, options)} sumDyXmu[{c}]");
                }
            }
        }
    }

    [Fact]
    public void MomentsAndBackwardSumsMatchFloat64()
    {
        var rng = new Random(13);
        foreach (var layout in Layouts(nonEmpty: true))
        {
            var count = layout.PerChannel * layout.Channels;
            var x = Normal(rng, count, mean: 50, std: 2);
            var dy = Normal(rng, count);
            var (mean, variance) = KernelReference.Moments(x, layout);
            var (sumDy, sumDyXmu, magnitude) = KernelReference.BackwardSums(x, dy, layout, mean);
            foreach (var options in Options())
            {
                var m = new double[layout.Channels];
                var v = new double[layout.Channels];
                var s1 = new double[layout.Channels];
                var s2 = new double[layout.Channels];
                ChannelKernels.MomentsAndBackwardSums(x, dy, layout, m, v, s1, s2, options);
                for (var c = 0; c < layout.Channels; c++)
                {
                    Near(mean[c], m[c], 1e-12 * Math.Abs(mean[c]), $"{Case(layout, options)} mean[{c}]");
                    Near(variance[c], v[c], 1e-9 * variance[c], $"{Case(layout, options)} variance[{c}]");
                    Near(sumDy[c], s1[c], 1e-12 * (magnitude[c] + 1), $"{Case(layout, options)} sumDy[{c}]");
                    Near(sumDyXmu[c], s2[c], 1e-11 * (magnitude[c] + 1), $"{Case(layout, options)} sumDyXmu[{c}]");
                }
            }
        }
    }

    [Fact]
    public void BackwardInputMatchesFloat64()
    {
        var rng = new Random(9);
        foreach (var layout in Layouts(nonEmpty: false))
        {
            var count = layout.PerChannel * layout.Channels;
            var x = Normal(rng, count, mean: 5, std: 2);
            var dy = Normal(rng, count);
            var mean = NormalDoubles(rng, layout.Channels, 5);
            var a = NormalDoubles(rng, layout.Channels);
            var b = NormalDoubles(rng, layout.Channels);
            var k = NormalDoubles(rng, layout.Channels);
            var expected = KernelReference.Map(x, layout, (i, c) => dy[i] * a[c] + (x[i] - mean[c]) * b[c] + k[c]);
            foreach (var options in Options())
            {
                var dx = new float[count];
                ChannelKernels.BackwardInput(x, dy, dx, layout, mean, a, b, k, options);
                for (var i = 0; i < dx.Length; i++)
                {
                    // One rounding to float32 of the double result.
                    Near(expected[i], dx[i], 1e-7 * Math.Abs(expected[i]) + 1e-30, $"{Case(layout, options)} dx[{i}]");
                }
            }
        }
    }

    [Fact]
    public void BackwardInputSurvivesCancellation()
    {
        // Terms of 1e4 that cancel to about 1: rounding a, b or c to float32 first would miss by ~1e-3.
        var layout = new ChannelLayout(64, 9, 1);
        var rng = new Random(10);
        var x = Normal(rng, 64 * 9, mean: 3, std: 1);
        var dy = x.Select(v => 1e4f + v).ToArray();
        var mean = Enumerable.Repeat(3.0, 9).ToArray();
        var a = Enumerable.Repeat(1.0 + 1e-9, 9).ToArray();
        var b = Enumerable.Repeat(-1.0, 9).ToArray();
        var k = Enumerable.Repeat(-1e4 - 3.0, 9).ToArray();
        var expected = KernelReference.Map(x, layout, (i, c) => dy[i] * a[c] + (x[i] - mean[c]) * b[c] + k[c]);
        foreach (var options in Options())
        {
            var dx = new float[x.Length];
            ChannelKernels.BackwardInput(x, dy, dx, layout, mean, a, b, k, options);
            for (var i = 0; i < dx.Length; i++)
            {
                Near(expected[i], dx[i], 1e-6 * Math.Max(1e-3, Math.Abs(expected[i])), $"{Case(layout, options)} dx[{i}]");
            }
        }
    }

    [Fact]
    public void FiniteScanFindsTheFirstBadValueAtEveryPosition()
    {
        foreach (var path in new[] { KernelPath.Scalar, KernelPath.Vector })
        {
            for (var n = 0; n <= 67; n++)
            {
                var data = Enumerable.Range(0, n).Select(i => (float)i).ToArray();
                Assert.Equal(-1, FiniteScan.FirstNonFinite(data, path));
                for (var bad = 0; bad < n; bad++)
                {
                    var copy = (float[])data.Clone();
                    copy[bad] = (bad % 3) switch { 0 => float.NaN, 1 => float.PositiveInfinity, _ => float.NegativeInfinity };
                    if (bad + 1 < n)
                    {
                        copy[n - 1] = float.NaN;
                    }

                    Assert.Equal(bad, FiniteScan.FirstNonFinite(copy, path));
                }
            }
        }
    }

    [Fact]
    public void WorkSplitCoversEveryUnitOnce()
    {
        foreach (var layout in new[] { new ChannelLayout(7, 5, 1), new ChannelLayout(1, 2, 1001), new ChannelLayout(3, 4, 5), new ChannelLayout(2, 3, 0) })
        {
            for (var workers = 1; workers <= 5; workers++)
            {
                var split = WorkSplit.Of(layout, new KernelOptions(KernelPath.Vector, 1, workers));
                var covered = new int[layout.Outer * layout.Channels * Math.Max(1, layout.Inner)];
                for (var w = 0; w < split.Workers; w++)
                {
                    var (start, end) = split.Range(w);
                    for (var u = start; u < end; u++)
                    {
                        if (split.ChannelsContiguous)
                        {
                            for (var c = 0; c < layout.Channels; c++)
                            {
                                covered[u * layout.Channels + c]++;
                            }
                        }
                        else
                        {
                            var (o, c, from, to) = split.Piece(u);
                            for (var i = from; i < to; i++)
                            {
                                covered[Index(layout, o, c, i)]++;
                            }
                        }
                    }
                }

                Assert.All(covered.Take((int)(layout.PerChannel * layout.Channels)), n => Assert.Equal(1, n));
            }
        }
    }
}
