using System.Runtime.InteropServices;
using BnEngine;

namespace BnService.Tests.Allocations;

/// <summary>
/// The 1 MB batches of the allocation tests: [4097, 64] float32 (a length no other test pools, since the pool is shared
/// by the whole test run), random values by seed, and the engine's own answers to compare with.
/// </summary>
internal static class Batches
{
    public const int Rows = 4097;
    public const int Channels = 64;
    public const int Count = Rows * Channels;
    public const int Bytes = Count * sizeof(float);

    /// <summary>
    /// The most a call may allocate: an eighth of one batch. A call takes 5 to 15 KB; before its arrays were pooled, 2 to
    /// 6 MB. The room is for one pooled array missed in a run (the pool is shared by the whole process).
    /// </summary>
    public const int MaxBytesPerCall = Bytes / 8;

    public static readonly long[] Shape = [Rows, Channels];

    public static readonly TensorShape EngineShape = TensorShape.Create(Shape, "shape");

    public static float[] Random(int seed, float scale = 2f, float offset = 0f)
    {
        var random = new Random(seed);
        var values = new float[Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = offset + (float)((random.NextDouble() * 2 - 1) * scale);
        }

        return values;
    }

    /// <summary>A fresh layer's backward, as the engine computes it (what the service answered before its arrays were pooled).</summary>
    public static (float[] GradInput, BackwardResult Result) Backward(string name, float[] input, float[] gradOutput)
    {
        var layer = new BatchNormLayer(LayerConfig.Resolve(new LayerSpec { Name = name, Channels = Channels }));
        var gradInput = new float[Count];
        var result = layer.Backward(EngineShape, input, gradOutput, gradInput, isTraining: true, learningRate: null);
        return (gradInput, result);
    }

    public static byte[] AsBytes(float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
}
