using System.Buffers;
using BnService.Layers;
using Google.Protobuf;
using ProtoTensor = Bn.V1.Tensor;

namespace BnService.Grpc;

/// <summary>
/// Parses a request whose input tensor carries a large <c>raw_data</c> with those bytes in an array of
/// <see cref="TensorBuffers"/> (which the call gives back once answered) instead of the new array protobuf allocates
/// for each bytes field: at 1 MB that was a large object per call. The wire is scanned only to find the input
/// field and its raw_data; everything else is parsed by protobuf itself, as the message without them, and the two are
/// then put in place (a singular field that occurs once, so the message is the one protobuf would build). Any message
/// this does not take exactly as described (no raw_data or a small one, a field repeated, groups, anything malformed)
/// returns null, and the caller parses it the ordinary way, which also gives the ordinary errors.
/// </summary>
public sealed class PooledRawDataParser<TRequest>(MessageParser<TRequest> parser, int inputField, Action<TRequest, ProtoTensor> setInput)
    where TRequest : class, IMessage<TRequest>
{
    private const int WireVarint = 0;
    private const int WireFixed64 = 1;
    private const int WireLengthDelimited = 2;
    private const int WireFixed32 = 5;

    /// <summary><c>bn.v1.Tensor.raw_data</c>.</summary>
    private const int RawDataField = 3;

    /// <summary>The message, or null when it is left to the ordinary parse.</summary>
    public TRequest? TryParse(ReadOnlySequence<byte> payload)
    {
        if (payload.Length < TensorBuffers.MinPooledBytes
            || !TryFindOnce(payload, inputField, out var input)
            || !TryFindOnce(input.Value(payload), RawDataField, out var raw)
            || raw.ValueLength < TensorBuffers.MinPooledBytes)
        {
            return null;
        }

        var tensorBytes = input.Value(payload);
        var bytes = TensorBuffers.Rent(checked((int)raw.ValueLength));
        raw.Value(tensorBytes).CopyTo(bytes);
        try
        {
            var tensor = ParseWithout(ProtoTensor.Parser, tensorBytes, raw);
            tensor.RawData = UnsafeByteOperations.UnsafeWrap(bytes);
            var request = ParseWithout(parser, payload, input);
            setInput(request, tensor);
            return request;
        }
        catch (InvalidProtocolBufferException)
        {
            TensorBuffers.Return(bytes);
            return null;
        }
    }

    /// <summary>The message in <paramref name="payload"/> but for <paramref name="field"/> (tag, length and value).</summary>
    private static T ParseWithout<T>(MessageParser<T> parser, ReadOnlySequence<byte> payload, in FieldSpan field)
        where T : IMessage<T>
    {
        var before = payload.Slice(0, field.Start);
        var after = payload.Slice(field.End);
        var length = checked((int)(before.Length + after.Length));
        var rest = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            before.CopyTo(rest);
            after.CopyTo(rest.AsSpan((int)before.Length));
            // Protobuf copies what it keeps (strings, bytes, unknown fields): the array can go back afterwards.
            return parser.ParseFrom(rest.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rest);
        }
    }

    /// <summary>
    /// The one length-delimited occurrence of <paramref name="fieldNumber"/> among the fields of <paramref name="message"/>;
    /// false when it is missing, occurs more than once, or the fields are not plain well-formed ones.
    /// </summary>
    private static bool TryFindOnce(ReadOnlySequence<byte> message, int fieldNumber, out FieldSpan found)
    {
        found = default;
        var seen = false;
        var reader = new SequenceReader<byte>(message);
        while (!reader.End)
        {
            var start = reader.Consumed;
            if (!TryReadVarint(ref reader, out var tag) || tag > uint.MaxValue || (tag >> 3) == 0)
            {
                return false;
            }

            var wireType = (int)(tag & 7);
            var number = (long)(tag >> 3);
            switch (wireType)
            {
                case WireVarint:
                    if (!TryReadVarint(ref reader, out _))
                    {
                        return false;
                    }

                    break;
                case WireFixed64 when reader.Remaining >= 8:
                    reader.Advance(8);
                    break;
                case WireFixed32 when reader.Remaining >= 4:
                    reader.Advance(4);
                    break;
                case WireLengthDelimited:
                    if (!TryReadVarint(ref reader, out var length) || length > int.MaxValue || length > (ulong)reader.Remaining)
                    {
                        return false;
                    }

                    var valueStart = reader.Consumed;
                    reader.Advance((long)length);
                    if (number == fieldNumber)
                    {
                        if (seen)
                        {
                            return false;
                        }

                        seen = true;
                        found = new FieldSpan(start, valueStart, (long)length);
                    }

                    break;
                default:
                    // Groups, and fixed-size values cut short.
                    return false;
            }

            if (number == fieldNumber && wireType != WireLengthDelimited)
            {
                return false;
            }
        }

        return seen;
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

    /// <summary>A field's place in its message: where its tag starts, where its value starts, and the value's length.</summary>
    private readonly record struct FieldSpan(long Start, long ValueStart, long ValueLength)
    {
        public long End => ValueStart + ValueLength;

        public ReadOnlySequence<byte> Value(ReadOnlySequence<byte> message) => message.Slice(ValueStart, ValueLength);
    }
}
