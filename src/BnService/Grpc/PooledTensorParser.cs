using System.Buffers;
using BnService.Layers;
using Google.Protobuf;
using ProtoTensor = Bn.V1.Tensor;

namespace BnService.Grpc;

/// <summary>
/// Parses a request whose input tensor carries many values, in <c>raw_data</c> or in <c>data</c>, with those values in
/// an array of <see cref="TensorBuffers"/> (which the call gives back once answered) instead of the new array protobuf
/// allocates for each bytes field or float list: at 1 MB that was a large object per call. Both fields hold the same
/// bytes on the wire (little-endian float32; <c>data</c> packed, or one fixed32 field per value, or several packed
/// chunks, all of which protobuf concatenates), so both are copied straight from the wire. The wire is scanned only to
/// find the input field and its values; everything else is parsed by protobuf itself, as the message without them, and
/// the two are then put in place: the same message protobuf would build, except that <c>data</c>'s values are carried
/// as <see cref="PackedData"/> in the raw_data slot. Any message this does not take exactly as described (few values,
/// both fields set, the input field repeated, groups, a packed length that is no whole number of floats, anything
/// malformed) returns null, and the caller parses it the ordinary way, which also gives the ordinary errors.
/// </summary>
public sealed class PooledTensorParser<TRequest>(MessageParser<TRequest> parser, int inputField, Action<TRequest, ProtoTensor> setInput)
    where TRequest : class, IMessage<TRequest>
{
    /// <summary>The message, or null when it is left to the ordinary parse.</summary>
    public TRequest? TryParse(ReadOnlySequence<byte> payload)
    {
        if (payload.Length < TensorBuffers.MinPooledBytes || !TryFindOnce(payload, inputField, out var input))
        {
            return null;
        }

        var tensorBytes = input.Value(payload);
        if (!TryMeasureValues(tensorBytes, out var valuesField, out var valueBytes) || valueBytes < TensorBuffers.MinPooledBytes)
        {
            return null;
        }

        var bytes = TensorBuffers.Rent(valueBytes);
        try
        {
            var tensor = SplitValues(tensorBytes, valuesField, bytes);
            tensor.RawData = valuesField == ProtoTensor.RawDataFieldNumber ? UnsafeByteOperations.UnsafeWrap(bytes) : PackedData.Wrap(bytes);
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

    /// <summary>
    /// Which field holds the tensor's values and how many bytes they are: raw_data once, or data in any number of packed
    /// chunks of whole floats and fixed32 values; false for anything else (both, neither, raw_data twice, other wire types).
    /// </summary>
    private static bool TryMeasureValues(ReadOnlySequence<byte> tensor, out int valuesField, out int valueBytes)
    {
        long raw = 0;
        var rawFields = 0;
        long data = 0;
        var dataFields = 0;
        var fields = new WireFields(tensor);
        while (fields.TryNext(out var field))
        {
            switch (field.Number)
            {
                case ProtoTensor.RawDataFieldNumber when field.WireType == WireFields.LengthDelimited:
                    raw = field.ValueLength;
                    rawFields++;
                    break;
                case ProtoTensor.DataFieldNumber when field.WireType == WireFields.Fixed32
                    || (field.WireType == WireFields.LengthDelimited && field.ValueLength % sizeof(float) == 0):
                    data += field.ValueLength;
                    dataFields++;
                    break;
                case ProtoTensor.RawDataFieldNumber or ProtoTensor.DataFieldNumber:
                    // Another wire type (protobuf keeps it as an unknown field, or fails on a packed length cut mid-float).
                    valuesField = valueBytes = 0;
                    return false;
            }
        }

        (valuesField, var bytes) = (rawFields, dataFields) switch
        {
            (1, 0) => (ProtoTensor.RawDataFieldNumber, raw),
            (0, > 0) => (ProtoTensor.DataFieldNumber, data),
            _ => (0, 0L),
        };
        valueBytes = (int)Math.Min(bytes, int.MaxValue);
        return !fields.Malformed && valuesField != 0 && bytes <= Array.MaxLength;
    }

    /// <summary>
    /// Copies the values of <paramref name="valuesField"/> into <paramref name="values"/>, in wire order, and parses the
    /// tensor's other fields with protobuf.
    /// </summary>
    private static ProtoTensor SplitValues(ReadOnlySequence<byte> tensor, int valuesField, byte[] values)
    {
        var restLength = checked((int)(tensor.Length - values.Length));
        var rest = ArrayPool<byte>.Shared.Rent(restLength);
        try
        {
            var valuesAt = 0;
            var restAt = 0;
            var fields = new WireFields(tensor);
            while (fields.TryNext(out var field))
            {
                if (field.Number == valuesField)
                {
                    field.Value(tensor).CopyTo(values.AsSpan(valuesAt));
                    valuesAt += (int)field.ValueLength;
                }
                else
                {
                    var whole = field.Whole(tensor);
                    whole.CopyTo(rest.AsSpan(restAt));
                    restAt += (int)whole.Length;
                }
            }

            // Protobuf copies what it keeps (shape, unknown fields): the array can go back afterwards.
            return ProtoTensor.Parser.ParseFrom(rest.AsSpan(0, restAt));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rest);
        }
    }

    /// <summary>The message in <paramref name="payload"/> but for <paramref name="field"/> (tag, length and value).</summary>
    private static T ParseWithout<T>(MessageParser<T> parser, ReadOnlySequence<byte> payload, in WireField field)
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
    /// false when it is missing, occurs more than once or with another wire type, or the fields are not plain well-formed ones.
    /// </summary>
    private static bool TryFindOnce(ReadOnlySequence<byte> message, int fieldNumber, out WireField found)
    {
        found = default;
        var seen = false;
        var fields = new WireFields(message);
        while (fields.TryNext(out var field))
        {
            if (field.Number == fieldNumber)
            {
                if (seen || field.WireType != WireFields.LengthDelimited)
                {
                    return false;
                }

                seen = true;
                found = field;
            }
        }

        return seen && !fields.Malformed;
    }
}
