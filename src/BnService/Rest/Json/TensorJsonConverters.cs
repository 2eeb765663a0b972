using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;
using BnService.Layers;

namespace BnService.Rest.Json;

/// <summary>
/// Reads <c>{"shape": [...], "data": [...]}</c>, parsing every number straight into a float32 byte buffer that
/// never grows past <paramref name="maxBytes"/> (Limits:MaxBatchBytes): one value more is a
/// <see cref="TensorTooLargeException"/> (413) at once, whatever the shape says. A body in memory
/// (<see cref="BufferedJsonBody"/>) has its data arrays parsed straight from the text.
/// </summary>
public sealed class JsonTensorConverter(long maxBytes) : JsonConverter<JsonTensor>
{
    /// <summary>The most float32 values one tensor may hold: the batch limit, and never past the largest array.</summary>
    private readonly int _maxCount = (int)Math.Min(maxBytes, Array.MaxLength) / sizeof(float);

    public override JsonTensor Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("a tensor is an object {\"shape\": [...], \"data\": [...]}");
        }

        long[]? shape = null;
        byte[]? bytes = null;
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var property = reader.GetString();
            reader.Read();
            switch (property)
            {
                case "shape":
                    shape = ReadShape(ref reader);
                    break;
                case "data":
                    (bytes, count) = ReadData(ref reader, ExpectedCount(shape));
                    break;
                default:
                    throw new JsonException($"a tensor has only \"shape\" and \"data\", not \"{property}\"");
            }
        }

        if (shape is null || bytes is null)
        {
            throw new JsonException("a tensor needs both \"shape\" and \"data\"");
        }

        return new JsonTensor(shape, bytes, count);
    }

    public override void Write(Utf8JsonWriter writer, JsonTensor value, JsonSerializerOptions options) =>
        throw new NotSupportedException("request tensors are only read");

    private static long[] ReadShape(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("\"shape\" is an array of integers");
        }

        var dims = new List<long>(5);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var dim))
            {
                throw new JsonException("\"shape\" is an array of integers");
            }

            dims.Add(dim);
        }

        return [.. dims];
    }

    /// <summary>A number token as float32: the fast path for plain decimals, the reader's own parser for the rest.</summary>
    private static bool TryGetFloat(ref Utf8JsonReader reader, out float value) =>
        (!reader.HasValueSequence && FloatText.TryParseFast(reader.ValueSpan, out value)) || reader.TryGetSingle(out value);

    /// <summary>The element count a shape read before the data names, when it is one the data may have (to size the buffer once).</summary>
    private int? ExpectedCount(long[]? shape)
    {
        if (shape is null)
        {
            return null;
        }

        long count = 1;
        foreach (var dim in shape)
        {
            if (dim <= 0 || dim > _maxCount || (count *= dim) > _maxCount)
            {
                return null;
            }
        }

        return (int)count;
    }

    private (byte[] Bytes, int Count) ReadData(ref Utf8JsonReader reader, int? expected)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("\"data\" is an array of numbers");
        }

        if (BufferedJsonBody.TryReadFloatArray(ref reader, _maxCount, out var parsed, out var parsedCount))
        {
            return (parsed, parsedCount);
        }

        var bytes = expected is { } exact ? TensorBuffers.Rent(sizeof(float) * exact) : new byte[Math.Min(256, sizeof(float) * _maxCount)];
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !TryGetFloat(ref reader, out var value))
            {
                throw new JsonException($"\"data\"[{count}] is not a float32 number");
            }

            if (sizeof(float) * (count + 1) > bytes.Length)
            {
                if (count >= _maxCount)
                {
                    throw new TensorTooLargeException(maxBytes);
                }

                // Doubling, capped at the limit: in int range since _maxCount * 4 is at most Array.MaxLength.
                Array.Resize(ref bytes, (int)Math.Min(Math.Max(256, 2L * bytes.Length), sizeof(float) * (long)_maxCount));
            }

            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(sizeof(float) * count), value);
            count++;
        }

        return (bytes, count);
    }
}

/// <summary>
/// A tensor's <c>data</c> holds more float32 values than the batch limit allows. A <see cref="JsonException"/>, so the
/// serializer adds the JSON path of the tensor; <see cref="RequestBodies"/> answers it with 413.
/// </summary>
public sealed class TensorTooLargeException(long maxBytes)
    : JsonException($"the tensor holds more than {maxBytes / sizeof(float)} float32 values ({maxBytes} bytes), over the limit of {maxBytes} bytes")
{
    public long MaxBytes { get; } = maxBytes;
}

/// <summary>Writes a tensor as <c>{"shape": [...], "data": [...]}</c> straight from its float32 bytes (<see cref="JsonFloatArray"/>).</summary>
public sealed class TensorDataConverter : JsonConverter<TensorData>
{
    public override TensorData Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("response tensors are only written");

    public override void Write(Utf8JsonWriter writer, TensorData value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("shape");
        foreach (var dim in value.Shape.Dims)
        {
            writer.WriteNumberValue(dim);
        }

        writer.WriteEndArray();
        writer.WritePropertyName("data");
        JsonFloatArray.Write(writer, value.Values);
        writer.WriteEndObject();
    }
}
