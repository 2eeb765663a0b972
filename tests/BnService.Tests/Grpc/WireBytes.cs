using System.Buffers;

namespace BnService.Tests.Grpc;

/// <summary>Protobuf wire bytes built by hand (field orders, encodings and faults the generated code never writes).</summary>
internal static class WireBytes
{
    public static byte[] Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    public static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);

        return [.. bytes];
    }

    /// <summary>A length-delimited field.</summary>
    public static byte[] Field(int number, byte[] value) => Concat(Tag(number, 2), Varint((ulong)value.Length), value);

    /// <summary>Floats as a packed field (little-endian float32).</summary>
    public static byte[] Packed(int number, ReadOnlySpan<float> values) => Field(number, FloatBytes(values));

    /// <summary>Floats as one fixed32 field each (the non-packed encoding, which protobuf also accepts).</summary>
    public static byte[] Unpacked(int number, ReadOnlySpan<float> values)
    {
        var bytes = new List<byte>();
        foreach (var value in values)
        {
            bytes.AddRange(Tag(number, 5));
            bytes.AddRange(BitConverter.GetBytes(value));
        }

        return [.. bytes];
    }

    public static byte[] FloatBytes(ReadOnlySpan<float> values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).ToArray();

    public static byte[] Unknown(int fieldNumber, string text) => Field(fieldNumber, System.Text.Encoding.UTF8.GetBytes(text));

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>The bytes as a sequence of segments of <paramref name="segmentBytes"/> (as a pipe hands a large message over).</summary>
    public static ReadOnlySequence<byte> Segments(byte[] bytes, int segmentBytes)
    {
        if (segmentBytes >= bytes.Length)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        Segment? first = null;
        Segment? last = null;
        for (var at = 0; at < bytes.Length; at += segmentBytes)
        {
            var next = new Segment(bytes.AsMemory(at, Math.Min(segmentBytes, bytes.Length - at)), at);
            first ??= next;
            last?.Append(next);
            last = next;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    /// <summary>
    /// A copy of <paramref name="wire"/> with one to three bytes set at random: mostly where tags and lengths are (within
    /// <paramref name="head"/> bytes of the start or <paramref name="tail"/> of the end), sometimes anywhere.
    /// </summary>
    public static byte[] Flip(Random random, byte[] wire, int head = 32, int tail = 32)
    {
        var flipped = (byte[])wire.Clone();
        for (var flips = random.Next(1, 4); flips > 0; flips--)
        {
            var at = random.Next(3) switch
            {
                0 => random.Next(Math.Min(head, wire.Length)),
                1 => wire.Length - 1 - random.Next(Math.Min(tail, wire.Length)),
                _ => random.Next(wire.Length),
            };
            flipped[at] = (byte)random.Next(256);
        }

        return flipped;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void Append(Segment next) => Next = next;
    }
}
