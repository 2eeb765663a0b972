using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BnEngine;
using BnService.Layers;
using Google.Protobuf;
using ProtoTensor = Bn.V1.Tensor;

namespace BnService.Grpc;

/// <summary>
/// <c>bn.v1.Tensor</c> to and from the service's tensors. <c>raw_data</c>, and <c>data</c> read off the wire into a
/// pooled array (<see cref="PackedData"/>), are taken and answered by reference (no per-element work); <c>data</c> that
/// protobuf parsed is converted once. Every tensor is checked against the batch limit.
/// </summary>
public sealed class TensorWire(long maxTensorBytes)
{
    static TensorWire()
    {
        // raw_data is little-endian float32 and is reinterpreted in place.
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("raw_data tensors need a little-endian machine");
        }
    }

    /// <summary>The largest tensor accepted, in bytes of float32 values (Limits:MaxBatchBytes).</summary>
    public long MaxTensorBytes { get; } = maxTensorBytes;

    /// <summary>Reads a required tensor; <paramref name="field"/> names it in errors.</summary>
    public (TensorData Tensor, TensorEncoding Encoding) Read(ProtoTensor? tensor, string field)
    {
        if (tensor is null)
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument, "is required", field);
        }

        var shape = TensorShape.Create(tensor.Shape, field + ".shape");
        // data read off the wire into a pooled array (PooledTensorParser) is carried in the raw_data slot.
        var packed = PackedData.TryGet(tensor.RawData, out var packedBytes);
        var hasData = packed || tensor.Data.Count > 0;
        var hasRaw = !packed && !tensor.RawData.IsEmpty;
        if (hasData == hasRaw)
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument,
                hasData ? "set only one of data and raw_data" : "set one of data and raw_data", field);
        }

        if ((long)shape.ElementCount * sizeof(float) > MaxTensorBytes)
        {
            throw new ServiceException(ServiceErrorKind.TooLarge,
                $"the shape {shape} holds {(long)shape.ElementCount * sizeof(float)} bytes of float32, over the limit of {MaxTensorBytes}", field);
        }

        if (hasRaw)
        {
            return (new TensorData(shape, RawBytes(tensor.RawData, shape, field + ".raw_data")), TensorEncoding.RawData);
        }

        if (packed)
        {
            shape.EnsureLength(packedBytes!.Length / sizeof(float), field + ".data");
            return (new TensorData(shape, packedBytes), TensorEncoding.Data);
        }

        return (new TensorData(shape, DataBytes(tensor.Data, shape, field + ".data")), TensorEncoding.Data);
    }

    /// <summary>Reads an optional tensor: null when the message does not carry it.</summary>
    public TensorData? ReadOptional(ProtoTensor? tensor, string field) => tensor is null ? null : Read(tensor, field).Tensor;

    /// <summary>The engine's view of a tensor, for the stateless operations (its values in place, not copied).</summary>
    public static Tensor ToEngine(TensorData tensor) => EngineTensors.View(tensor);

    public static TensorData FromEngine(Tensor tensor) => TensorData.FromFloats(tensor.Shape, tensor.Data.Span);

    /// <summary>A response tensor in <paramref name="encoding"/>; raw_data wraps the bytes without copying.</summary>
    public static ProtoTensor Write(TensorData tensor, TensorEncoding encoding)
    {
        var result = new ProtoTensor();
        foreach (var d in tensor.Shape.Dims)
        {
            result.Shape.Add(d);
        }

        if (encoding == TensorEncoding.RawData)
        {
            result.RawData = UnsafeByteOperations.UnsafeWrap(tensor.Bytes);
        }
        else
        {
            result.Data.AddRange(tensor.Values);
        }

        return result;
    }

    /// <summary>
    /// The answer to <paramref name="request"/>, built in the request's own tensor message: an output has its input's
    /// shape, so the shape is kept, and the values are wrapped without copying: raw_data as <see cref="Write"/> does,
    /// <c>data</c> read into a pooled array as <see cref="PackedData"/> (the response is then written by
    /// <see cref="PackedDataResponses"/>). <c>data</c> that protobuf parsed (a small tensor) gets the values in the
    /// request's float array, where a new message would allocate a second copy of them. The request must not be read
    /// afterwards.
    /// </summary>
    public static ProtoTensor Answer(ProtoTensor request, TensorData output, TensorEncoding encoding)
    {
        var packed = PackedData.TryGet(request.RawData, out _);
        if (!SameShape(request, output.Shape) || (encoding == TensorEncoding.Data && !packed && request.Data.Count != output.Shape.ElementCount))
        {
            return Write(output, encoding);
        }

        // Fields this service does not know (a newer client's) are the request's, not the answer's; and a tensor with
        // packed data is written as shape then data, with nothing after them.
        UnknownFields(request) = null;
        if (encoding == TensorEncoding.RawData)
        {
            request.RawData = UnsafeByteOperations.UnsafeWrap(output.Bytes);
        }
        else if (packed)
        {
            request.RawData = PackedData.Wrap(output.Bytes);
        }
        else
        {
            output.Values.CopyTo(UnsafeCollectionOperations.AsSpan(request.Data));
        }

        return request;
    }

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_unknownFields")]
    private static extern ref UnknownFieldSet? UnknownFields(ProtoTensor tensor);

    private static bool SameShape(ProtoTensor tensor, TensorShape shape)
    {
        var dims = shape.Dims;
        if (tensor.Shape.Count != dims.Length)
        {
            return false;
        }

        for (var i = 0; i < dims.Length; i++)
        {
            if (tensor.Shape[i] != dims[i])
            {
                return false;
            }
        }

        return true;
    }

    private static byte[] RawBytes(ByteString raw, TensorShape shape, string field)
    {
        if (raw.Length != (long)shape.ElementCount * sizeof(float))
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument,
                $"raw_data has {raw.Length} bytes but the shape {shape} needs {(long)shape.ElementCount * sizeof(float)} (little-endian float32)", field);
        }

        // A parsed bytes field owns an exact array of its own: take it as is.
        return MemoryMarshal.TryGetArray(raw.Memory, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : raw.ToByteArray();
    }

    private static byte[] DataBytes(Google.Protobuf.Collections.RepeatedField<float> data, TensorShape shape, string field)
    {
        shape.EnsureLength(data.Count, field);
        var bytes = TensorBuffers.Rent(data.Count * sizeof(float));
        UnsafeCollectionOperations.AsSpan(data).CopyTo(MemoryMarshal.Cast<byte, float>(bytes.AsSpan()));
        return bytes;
    }
}
