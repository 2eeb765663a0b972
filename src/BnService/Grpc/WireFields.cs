using System.Buffers;

namespace BnService.Grpc;

/// <summary>
/// The fields of a protobuf message one after the other, found by their tags and lengths without parsing a value.
/// Anything that is not a plain well-formed field (a bad tag, a group, a length or fixed-size value past the end, a
/// varint over ten bytes) ends the walk with <see cref="Malformed"/> set: the caller then leaves the message to protobuf.
/// </summary>
public ref struct WireFields(ReadOnlySequence<byte> message)
{
    public const int Varint = 0;
    public const int Fixed64 = 1;
    public const int LengthDelimited = 2;
    public const int Fixed32 = 5;

    private SequenceReader<byte> _reader = new(message);

    /// <summary>The walk stopped before the end: the message is not one this reader takes as it is.</summary>
    public bool Malformed { get; private set; }

    /// <summary>The next field; false at the end of the message or at a malformed field.</summary>
    public bool TryNext(out WireField field)
    {
        field = default;
        if (_reader.End || Malformed)
        {
            return false;
        }

        var start = _reader.Consumed;
        if (!TryReadVarint(ref _reader, out var tag) || tag > uint.MaxValue || (tag >> 3) == 0)
        {
            return Fail();
        }

        var wireType = (int)(tag & 7);
        var valueStart = _reader.Consumed;
        long valueLength;
        switch (wireType)
        {
            case Varint:
                if (!TryReadVarint(ref _reader, out _))
                {
                    return Fail();
                }

                valueLength = _reader.Consumed - valueStart;
                break;
            case Fixed64 when _reader.Remaining >= 8:
                valueLength = 8;
                break;
            case Fixed32 when _reader.Remaining >= 4:
                valueLength = 4;
                break;
            case LengthDelimited:
                if (!TryReadVarint(ref _reader, out var length) || length > int.MaxValue || length > (ulong)_reader.Remaining)
                {
                    return Fail();
                }

                valueStart = _reader.Consumed;
                valueLength = (long)length;
                break;
            default:
                // Groups, and fixed-size values cut short.
                return Fail();
        }

        if (wireType != Varint)
        {
            _reader.Advance(valueLength);
        }

        field = new WireField((int)(tag >> 3), wireType, start, valueStart, valueLength);
        return true;
    }

    private bool Fail()
    {
        Malformed = true;
        return false;
    }

    private static bool TryReadVarint(ref SequenceReader<byte> reader, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (!reader.TryRead(out var b))
            {
                return false;
            }

            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// A field's place in its message: where its tag starts, where its value starts (a length-delimited field's after its
/// length) and the value's length.
/// </summary>
public readonly record struct WireField(int Number, int WireType, long Start, long ValueStart, long ValueLength)
{
    public long End => ValueStart + ValueLength;

    public ReadOnlySequence<byte> Value(ReadOnlySequence<byte> message) => message.Slice(ValueStart, ValueLength);

    public ReadOnlySequence<byte> Whole(ReadOnlySequence<byte> message) => message.Slice(Start, End - Start);
}
