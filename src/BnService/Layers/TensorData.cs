using System.Runtime.InteropServices;
using BnEngine;

namespace BnService.Layers;

/// <summary>
/// A float32 tensor as it travels between the web tier and the layer grains: a validated shape and its
/// values as little-endian bytes (passed to grains without copying; see docs on Orleans immutability).
/// </summary>
public sealed record TensorData(TensorShape Shape, byte[] Bytes)
{
    public ReadOnlySpan<float> Values => MemoryMarshal.Cast<byte, float>(Bytes);

    public static TensorData FromFloats(TensorShape shape, ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        values.CopyTo(MemoryMarshal.Cast<byte, float>(bytes.AsSpan()));
        return new TensorData(shape, bytes);
    }
}
