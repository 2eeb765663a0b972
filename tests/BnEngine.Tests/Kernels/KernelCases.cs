using BnEngine.Kernels;

namespace BnEngine.Tests.Kernels;

/// <summary>Layouts and options every kernel test runs over: each remainder length in both layouts, both code paths, serial and fanned out.</summary>
internal static class KernelCases
{
    public static readonly KernelOptions ScalarSerial = new(KernelPath.Scalar, long.MaxValue, 1);
    public static readonly KernelOptions VectorSerial = new(KernelPath.Vector, long.MaxValue, 1);

    /// <summary>Both paths, serial, plus both paths split over three workers even for tiny inputs.</summary>
    public static IEnumerable<KernelOptions> Options()
    {
        yield return ScalarSerial;
        yield return VectorSerial;
        yield return new KernelOptions(KernelPath.Scalar, 1, 3);
        yield return new KernelOptions(KernelPath.Vector, 1, 3);
    }

    /// <summary>NHWC with 67 rows of 0..67 channels (vector across channels: two blocks of rows for every block size, one prefetching the next, plus single rows) and NCHW with inner runs of 0..67 (vector along runs).</summary>
    public static IEnumerable<ChannelLayout> Layouts(bool nonEmpty)
    {
        for (var n = nonEmpty ? 1 : 0; n <= 67; n++)
        {
            yield return new ChannelLayout(67, n, 1);
            yield return new ChannelLayout(2, 3, n);
        }

        yield return new ChannelLayout(1, 2, 1000);
        yield return new ChannelLayout(40, 17, 1);

        // Past an L1 cache, read column by column; past the in-cache size, NHWC rows streamed instead.
        yield return new ChannelLayout(603, 19, 1);
        yield return new ChannelLayout((int)(ShiftedSums.InCacheElements / 19) + 11, 19, 1);
    }

    public static float[] Normal(Random rng, long count, double mean = 0, double std = 1)
    {
        var data = new float[count];
        for (var i = 0; i < count; i++)
        {
            var u1 = 1.0 - rng.NextDouble();
            data[i] = (float)(mean + std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        }

        return data;
    }

    public static double[] NormalDoubles(Random rng, int count, double mean = 0, double std = 1)
        => Normal(rng, count, mean, std).Select(v => (double)v).ToArray();

    public static int Index(ChannelLayout l, int o, int c, int i) => (o * l.Channels + c) * l.Inner + i;

    public static void Near(double expected, double actual, double tolerance, string what)
    {
        if (!(Math.Abs(actual - expected) <= tolerance))
        {
            Assert.Fail($"{what}: expected {expected:R}, got {actual:R} (tolerance {tolerance:G3})");
        }
    }
}
