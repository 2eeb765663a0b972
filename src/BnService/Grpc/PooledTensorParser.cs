using System.Buffers;
using BnService.Layers;
using Google.Protobuf;
using ProtoTensor = Bn.V1.Tensor;

namespace BnService.Grpc;

/// <summary>A request's tensor field that <see cref="PooledTensorParser{TRequest}"/> reads into a pooled array, and how to put it back in place.</summary>
public readonly record struct PooledTensorField<TRequest>(int Number, Action<TRequest, ProtoTensor> Set);

/// <summary>
/// Parses a request whose tensors carry many values, in <c>raw_data</c> or in <c>data</c>, with those values in arrays
/// of <see cref="TensorBuffers"/> (which the call gives back once answered) instead of the new array protobuf allocates
/// for each bytes field or float list: at 1 MB that was a large object per tensor and call. Both fields hold the same
/// bytes on the wire (little-endian float32; <c>data</c> packed, or one fixed32 field per value, or several packed
/// chunks, all of which protobuf concatenates), so both are copied straight from the wire. The wire is scanned only to
/// find the tensor fields and their values; everything else is parsed by protobuf itself, as the message without them,
/// and the parts are then put in place: the same message protobuf would build, except that <c>data</c>'s values are
/// carried as <see cref="PackedData"/> in the raw_data slot. A tensor this does not take exactly as described (few
/// values, both fields set, a packed length that is no whole number of floats) stays in the message protobuf parses;
/// a message with a tensor field repeated or of another wire type, groups, or anything malformed, or with no tensor
/// taken, returns null, and the caller parses it the ordinary way, which also gives the ordinary errors.
/// </summary>
public sealed class PooledTensorParser<TRequest>
    where TRequest : class, IMessage<TRequest>
{
    private readonly MessageParser<TRequest> _parser;
    private readonly PooledTensorField<TRequest>[] _tensors;

    /// <summary>A request with the tensor fields <paramref name="tensors"/>.</summary>
    public PooledTensorParser(MessageParser<TRequest> parser, params PooledTensorField<TRequest>[] tensors)
    {
        _parser = parser;
        _tensors = tensors;
    }

    /// <summary>A request with one tensor field (a batch's input).</summary>
    public PooledTensorParser(MessageParser<TRequest> parser, int inputField, Action<TRequest, ProtoTensor> setInput)
        : this(parser, new PooledTensorField<TRequest>(inputField, setInput))
    {
    }

    /// <summary>The message, or null when it is left to the ordinary parse.</summary>
    public TRequest? TryParse(ReadOnlySequence<byte> payload)
    {
        if (payload.Length < TensorBuffers.MinPooledBytes || !TryFindEachOnce(payload, _tensors, out var found))
        {
            return null;
        }

        // The tensors to take: found, and with a measurable run of values large enough to pool.
        Span<int> valuesFields = stackalloc int[found.Length];
        Span<int> valueLengths = stackalloc int[found.Length];
        var taken = 0;
        for (var i = 0; i < found.Length; i++)
        {
            if (found[i] is { } field && TryMeasureValues(field.Value(payload), out valuesFields[i], out valueLengths[i])
                && valueLengths[i] >= TensorBuffers.MinPooledBytes)
            {
                taken++;
            }
            else
            {
                found[i] = null;
            }
        }

        if (taken == 0)
        {
            return null;
        }

        var arrays = new byte[]?[found.Length];
        var tensors = new ProtoTensor?[found.Length];
        try
        {
            for (var i = 0; i < found.Length; i++)
            {
                if (found[i] is { } field)
                {
                    var bytes = arrays[i] = TensorBuffers.Rent(valueLengths[i]);
                    var tensor = tensors[i] = SplitValues(field.Value(payload), valuesFields[i], bytes);
                    tensor.RawData = valuesFields[i] == ProtoTensor.RawDataFieldNumber ? UnsafeByteOperations.UnsafeWrap(bytes) : PackedData.Wrap(bytes);
                }
            }

            var request = ParseWithout(_parser, payload, found);
            for (var i = 0; i < found.Length; i++)
            {
                if (tensors[i] is { } tensor)
                {
                    _tensors[i].Set(request, tensor);
                }
            }

            return request;
        }
        catch (InvalidProtocolBufferException)
        {
            foreach (var bytes in arrays)
            {
                if (bytes is not null)
                {
                    TensorBuffers.Return(bytes);
                }
            }

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

    /// <summary>The message in <paramref name="payload"/> but for the <paramref name="left"/> fields (tag, length and value) that are set.</summary>
    private static T ParseWithout<T>(MessageParser<T> parser, ReadOnlySequence<byte> payload, WireField?[] left)
        where T : IMessage<T>
    {
        var cut = new List<WireField>(left.Length);
        var length = payload.Length;
        foreach (var field in left)
        {
            if (field is { } f)
            {
                cut.Add(f);
                length -= f.End - f.Start;
            }
        }

        cut.Sort(static (a, b) => a.Start.CompareTo(b.Start));
        var rest = ArrayPool<byte>.Shared.Rent(checked((int)length));
        try
        {
            var at = 0;
            var from = 0L;
            foreach (var field in cut)
            {
                var before = payload.Slice(from, field.Start - from);
                before.CopyTo(rest.AsSpan(at));
                at += (int)before.Length;
                from = field.End;
            }

            var after = payload.Slice(from);
            after.CopyTo(rest.AsSpan(at));
            at += (int)after.Length;
            // Protobuf copies what it keeps (strings, bytes, unknown fields): the array can go back afterwards.
            return parser.ParseFrom(rest.AsSpan(0, at));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rest);
        }
    }

    /// <summary>
    /// The one length-delimited occurrence of each of <paramref name="tensors"/>' fields among the fields of
    /// <paramref name="message"/> (null for one that is missing); false when one occurs more than once or with another
    /// wire type, or the fields are not plain well-formed ones.
    /// </summary>
    private static bool TryFindEachOnce(ReadOnlySequence<byte> message, PooledTensorField<TRequest>[] tensors, out WireField?[] found)
    {
        found = new WireField?[tensors.Length];
        var fields = new WireFields(message);
        while (fields.TryNext(out var field))
        {
            for (var i = 0; i < tensors.Length; i++)
            {
                if (field.Number == tensors[i].Number)
                {
                    if (found[i] is not null || field.WireType != WireFields.LengthDelimited)
                    {
                        return false;
                    }

                    found[i] = field;
                }
            }
        }

        return !fields.Malformed;
    }
}
