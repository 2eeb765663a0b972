using BnEngine.Kernels;
using static BnEngine.Tests.Kernels.KernelCases;

namespace BnEngine.Tests.Kernels;

/// <summary>The affine step that also reports, from the same pass, whether every output is finite.</summary>
public class AffineAllFiniteTests
{
    private static readonly ChannelLayout[] FewLayouts =
    [
        new(67, 19, 1), new(67, 8, 1), new(7, 5, 1), new(40, 17, 1), new(2, 3, 67), new(1, 2, 1000), new(3, 4, 5),
    ];

    private static string Case(ChannelLayout l, KernelOptions o) => $"{l} {o}";

    [Fact]
    public void FiniteDataGivesTheAffineOutputsAndTrue()
    {
        var rng = new Random(21);
        foreach (var layout in Layouts(nonEmpty: false))
        {
            var x = Normal(rng, layout.PerChannel * layout.Channels, mean: 1, std: 2);
            var mean = NormalDoubles(rng, layout.Channels, 1);
            var scale = NormalDoubles(rng, layout.Channels);
            var shift = NormalDoubles(rng, layout.Channels);
            foreach (var options in Options())
            {
                var expected = new float[x.Length];
                ChannelKernels.Affine(x, expected, layout, mean, scale, shift, options);
                var y = new float[x.Length];
                Assert.True(ChannelKernels.AffineAllFinite(x, y, layout, mean, scale, shift, options), Case(layout, options));
                Assert.Equal(expected, y);
            }
        }
    }

    [Fact]
    public void NonFiniteInputAnywhereGivesFalse()
    {
        foreach (var bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            foreach (var layout in FewLayouts)
            {
                var count = (int)(layout.PerChannel * layout.Channels);
                foreach (var at in new[] { 0, count / 2 + 1, count - 1 })
                {
                    var x = Normal(new Random(22), count);
                    x[at] = bad;
                    // A zero scale does not hide it: (inf - m) * 0 is NaN.
                    var scale = Enumerable.Repeat(0.0, layout.Channels).ToArray();
                    foreach (var options in Options())
                    {
                        var y = new float[count];
                        Assert.False(ChannelKernels.AffineAllFinite(x, y, layout, new double[layout.Channels], scale,
                            new double[layout.Channels], options), $"{Case(layout, options)} x[{at}] = {bad}");
                    }
                }
            }
        }
    }

    [Fact]
    public void OverflowingOutputGivesFalse()
    {
        foreach (var layout in FewLayouts)
        {
            var count = (int)(layout.PerChannel * layout.Channels);
            foreach (var at in new[] { 0, count / 2 + 1, count - 1 })
            {
                var x = new float[count];
                x[at] = 1e30f;
                var scale = Enumerable.Repeat(1e10, layout.Channels).ToArray();
                foreach (var options in Options())
                {
                    var y = new float[count];
                    Assert.False(ChannelKernels.AffineAllFinite(x, y, layout, new double[layout.Channels], scale,
                        new double[layout.Channels], options), $"{Case(layout, options)} x[{at}] = 1e30");
                    Assert.True(float.IsInfinity(y[at]), Case(layout, options));
                }
            }
        }
    }
}
