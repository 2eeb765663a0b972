using System.Runtime.InteropServices;
using Google.Protobuf;
using ProtoTensor = Bn.V1.Tensor;

namespace BnService.Tests.Grpc;

/// <summary>Builds and reads <c>bn.v1.Tensor</c> messages in either encoding.</summary>
internal static class Tensors
{
    public static ProtoTensor Data(long[] shape, float[] values) => new() { Shape = { shape }, Data = { values } };

    public static ProtoTensor Raw(long[] shape, float[] values) =>
        new() { Shape = { shape }, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };

    public static ProtoTensor Of(long[] shape, float[] values, bool raw) => raw ? Raw(shape, values) : Data(shape, values);

    /// <summary>The values, whichever encoding carries them.</summary>
    public static float[] Values(ProtoTensor tensor) =>
        tensor.RawData.IsEmpty ? tensor.Data.ToArray() : MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();

    public static float[] Sequence(int count, float start = 0.5f, float step = 0.25f)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = start + (i * step);
        }

        return values;
    }
}
