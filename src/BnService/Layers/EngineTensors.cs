using System.Buffers;
using System.Runtime.InteropServices;
using BnEngine;

namespace BnService.Layers;

/// <summary>
/// The engine's <see cref="Tensor"/> over a <see cref="TensorData"/>'s own bytes, without a copy: the stateless ops read
/// their operands in place, so a batch in a pooled array stays the only copy of its values (and can go back to the pool
/// once the call is answered: the engine keeps no reference to its inputs).
/// </summary>
public static class EngineTensors
{
    public static Tensor View(TensorData tensor) => new(tensor.Shape, new FloatView(tensor.Bytes).Memory);

    /// <summary>Little-endian float32 bytes as floats (the service runs on little-endian machines only, see TensorWire).</summary>
    private sealed class FloatView(byte[] bytes) : MemoryManager<float>
    {
        public override Span<float> GetSpan() => MemoryMarshal.Cast<byte, float>(bytes.AsSpan());

        public override unsafe MemoryHandle Pin(int elementIndex = 0)
        {
            var handle = GCHandle.Alloc(bytes, GCHandleType.Pinned);
            return new MemoryHandle((float*)handle.AddrOfPinnedObject() + elementIndex, handle);
        }

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
