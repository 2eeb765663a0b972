namespace BnEngine.Benchmarks;

/// <summary>The shapes the speed goals are stated for, and deterministic data for them.</summary>
public enum Layout
{
    /// <summary>[64, 256, 32, 32], 64 MiB of float32.</summary>
    Nchw,

    /// <summary>[65536, 256], 64 MiB of float32.</summary>
    Nhwc,
}

internal static class BenchData
{
    public const int Channels = 256;

    public static int[] Shape(Layout layout) => layout == Layout.Nchw ? [64, Channels, 32, 32] : [65536, Channels];

    public static LayerConfig Config(Layout layout, int channels = Channels) => LayerConfig.Resolve(new LayerSpec
    {
        Name = "bench",
        Channels = channels,
        DataFormat = layout == Layout.Nchw ? DataFormat.Nchw : DataFormat.Nhwc,
        Convention = Convention.Keras,
        Epsilon = 1e-3,
    });

    public static float[] Random(int count, int seed, float mean = 0, float spread = 1)
    {
        var rng = new Random(seed);
        var data = GC.AllocateUninitializedArray<float>(count, pinned: true);
        for (var i = 0; i < count; i++)
        {
            data[i] = mean + spread * (float)(rng.NextDouble() * 2 - 1);
        }

        return data;
    }
}
