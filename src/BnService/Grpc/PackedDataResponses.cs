using System.Buffers;
using Bn.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using ProtoTensor = Bn.V1.Tensor;

namespace BnService.Grpc;

/// <summary>
/// Response marshallers for the batch answers (train, infer, backward's grad_input, batch_normalization): an output tensor whose values are
/// <see cref="PackedData"/> is written with them as its packed <c>data</c> field straight from the pooled array, byte for
/// byte what protobuf writes for the same message with the values in <c>data</c>. Every other response is written by
/// protobuf.
/// </summary>
public static class PackedDataResponses
{
    private static readonly int DataTagSize = CodedOutputStream.ComputeTagSize(ProtoTensor.DataFieldNumber);

    /// <summary>The marshaller to answer <typeparamref name="TResponse"/> with: <paramref name="protobuf"/>'s, or one that writes packed data.</summary>
    public static Marshaller<TResponse> For<TResponse>(Marshaller<TResponse> protobuf)
        where TResponse : class
    {
        if (typeof(TResponse) == typeof(TrainResponse))
        {
            return (Marshaller<TResponse>)(object)Writer((Marshaller<TrainResponse>)(object)protobuf, TrainResponse.Descriptor,
                TrainResponse.OutputFieldNumber, r => r.Output, (r, output) => r.Output = output);
        }

        if (typeof(TResponse) == typeof(InferResponse))
        {
            return (Marshaller<TResponse>)(object)Writer((Marshaller<InferResponse>)(object)protobuf, InferResponse.Descriptor,
                InferResponse.OutputFieldNumber, r => r.Output, (r, output) => r.Output = output);
        }

        if (typeof(TResponse) == typeof(BackwardResponse))
        {
            return (Marshaller<TResponse>)(object)Writer((Marshaller<BackwardResponse>)(object)protobuf, BackwardResponse.Descriptor,
                BackwardResponse.GradInputFieldNumber, r => r.GradInput, (r, output) => r.GradInput = output);
        }

        if (typeof(TResponse) == typeof(BatchNormalizationResponse))
        {
            return (Marshaller<TResponse>)(object)Writer((Marshaller<BatchNormalizationResponse>)(object)protobuf, BatchNormalizationResponse.Descriptor,
                BatchNormalizationResponse.OutputFieldNumber, r => r.Output, (r, output) => r.Output = output);
        }

        return protobuf;
    }

    private static Marshaller<T> Writer<T>(Marshaller<T> protobuf, MessageDescriptor descriptor, int outputField,
        Func<T, ProtoTensor?> output, Action<T, ProtoTensor?> setOutput)
        where T : class, IMessage<T>
    {
        // Protobuf writes a message's fields in number order: the output goes first only if no field comes before it.
        if (descriptor.Fields.InFieldNumberOrder()[0].FieldNumber != outputField)
        {
            throw new InvalidOperationException($"{descriptor.FullName}: field {outputField} is not its first field");
        }

        var write = protobuf.ContextualSerializer;
        return Marshallers.Create((response, context) =>
        {
            var tensor = output(response);
            if (tensor is not null && PackedData.TryGet(tensor.RawData, out var values))
            {
                Write(response, tensor, values, outputField, setOutput, context);
            }
            else
            {
                write(response, context);
            }
        }, protobuf.ContextualDeserializer);
    }

    /// <summary>
    /// The output field (tag, length, then the tensor: its shape, then data's tag, length and values), then the
    /// message's other fields. The tensor carries nothing else (<see cref="TensorWire.Answer"/> drops unknown fields).
    /// </summary>
    private static void Write<T>(T response, ProtoTensor tensor, byte[] values, int outputField, Action<T, ProtoTensor?> setOutput,
        SerializationContext context)
        where T : IMessage<T>
    {
        var carried = tensor.RawData;
        tensor.RawData = ByteString.Empty;
        setOutput(response, null);
        try
        {
            var valuesField = values.Length == 0 ? 0 : DataTagSize + CodedOutputStream.ComputeLengthSize(values.Length) + values.Length;
            var tensorSize = tensor.CalculateSize() + valuesField;
            var size = CodedOutputStream.ComputeTagSize(outputField) + CodedOutputStream.ComputeLengthSize(tensorSize) + tensorSize
                + response.CalculateSize();
            context.SetPayloadLength(size);
            var writer = context.GetBufferWriter();
            WriteVarint(writer, WireFormat.MakeTag(outputField, WireFormat.WireType.LengthDelimited));
            WriteVarint(writer, (uint)tensorSize);
            tensor.WriteTo(writer);
            if (values.Length > 0)
            {
                WriteVarint(writer, WireFormat.MakeTag(ProtoTensor.DataFieldNumber, WireFormat.WireType.LengthDelimited));
                WriteVarint(writer, (uint)values.Length);
                WriteBytes(writer, values);
            }

            response.WriteTo(writer);
            context.Complete();
        }
        finally
        {
            setOutput(response, tensor);
            tensor.RawData = carried;
        }
    }

    private static void WriteVarint(IBufferWriter<byte> writer, uint value)
    {
        var span = writer.GetSpan(5);
        var length = 0;
        while (value >= 0x80)
        {
            span[length++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[length++] = (byte)value;
        writer.Advance(length);
    }

    private static void WriteBytes(IBufferWriter<byte> writer, ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var span = writer.GetSpan();
            var length = Math.Min(span.Length, bytes.Length);
            bytes[..length].CopyTo(span);
            writer.Advance(length);
            bytes = bytes[length..];
        }
    }
}
