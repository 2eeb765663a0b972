using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Google.Protobuf;

namespace BnService.Grpc;

/// <summary>
/// A tensor's <c>repeated float data</c> as the bytes of its packed field (little-endian float32) in a pooled array,
/// carried in the tensor message's raw_data slot: this type says that the values came as <c>data</c> and go back as
/// <c>data</c>. <see cref="PooledTensorParser{TRequest}"/> reads a request's values into one,
/// <see cref="TensorWire.Answer"/> puts the output in one, and <see cref="PackedDataResponses"/> writes it as the packed
/// field protobuf would write. A message carrying one is never serialized by protobuf itself (it would write raw_data).
/// </summary>
public sealed class PackedData : MemoryManager<byte>
{
    private readonly byte[] _bytes;

    private PackedData(byte[] bytes) => _bytes = bytes;

    /// <summary>Values for a tensor's raw_data slot that go on the wire as its <c>data</c>.</summary>
    public static ByteString Wrap(byte[] bytes) => UnsafeByteOperations.UnsafeWrap(new PackedData(bytes).Memory);

    /// <summary>The array of values a tensor's raw_data slot carries as <c>data</c>; false for a true raw_data (or none).</summary>
    public static bool TryGet(ByteString rawData, [NotNullWhen(true)] out byte[]? bytes)
    {
        if (MemoryMarshal.TryGetMemoryManager<byte, PackedData>(rawData.Memory, out var packed))
        {
            bytes = packed._bytes;
            return true;
        }

        bytes = null;
        return false;
    }

    public override Span<byte> GetSpan() => _bytes;

    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        var handle = GCHandle.Alloc(_bytes, GCHandleType.Pinned);
        return new MemoryHandle((byte*)handle.AddrOfPinnedObject() + elementIndex, handle);
    }

    public override void Unpin()
    {
    }

    protected override bool TryGetArray(out ArraySegment<byte> segment)
    {
        segment = _bytes;
        return true;
    }

    protected override void Dispose(bool disposing)
    {
    }
}
