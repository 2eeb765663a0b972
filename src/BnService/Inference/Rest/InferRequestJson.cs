using System.Buffers.Binary;
using System.Text.Json;
using BnService.Layers;
using BnService.Rest.Json;

namespace BnService.Inference.Rest;

/// <summary>An input as the JSON request describes it, not yet checked against the layer's signature.</summary>
public sealed class JsonInput(string field)
{
    public string Field { get; } = field;
    public string? Name { get; set; }
    public string? Datatype { get; set; }
    public long[]? Shape { get; set; }
    public InferenceParameters Parameters { get; set; } = InferenceParameters.None(field + ".parameters");

    /// <summary>The values of <c>data</c>, flattened, as little-endian float32; null when the request has no <c>data</c>.</summary>
    public byte[]? Data { get; set; }

    /// <summary>How many float32 values <see cref="Data"/> holds (the array may be longer).</summary>
    public int Count { get; set; }

    /// <summary>The lengths of nested <c>data</c> arrays, outermost first; null when <c>data</c> is flat.</summary>
    public long[]? Nesting { get; set; }
}

/// <summary>A requested output.</summary>
public sealed record JsonOutput(string Field, string? Name, InferenceParameters Parameters);

/// <summary>The JSON object of an inference request (<c>$inference_request</c>), or the JSON header before binary data.</summary>
public sealed record JsonInferRequest(string? Id, string? ModelName, string? ModelVersion, InferenceParameters Parameters,
    IReadOnlyList<JsonInput> Inputs, IReadOnlyList<JsonOutput> Outputs);

/// <summary>
/// Reads <c>$inference_request</c>: <c>id</c>, <c>parameters</c>, <c>inputs</c>, <c>outputs</c> (and <c>model_name</c> /
/// <c>model_version</c>, which some clients repeat from the path). Tensor data may be flat or nested row-major; its
/// numbers go straight into a float32 buffer that never grows past the batch limit (413 at the first value over).
/// Anything else, or an unknown member, is a 400 naming the field.
/// </summary>
public static class InferRequestJson
{
    public static JsonInferRequest Parse(ReadOnlySpan<byte> json, long maxBatchBytes)
    {
        var maxCount = (int)(Math.Min(maxBatchBytes, Array.MaxLength) / sizeof(float));
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw Invalid("an inference request is a JSON object", null);
            }

            var request = ReadRequest(ref reader, maxCount, maxBatchBytes);
            if (reader.Read())
            {
                throw Invalid("the body holds more than one JSON value", null);
            }

            return request;
        }
        catch (JsonException e)
        {
            var message = e.Message;
            var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            throw Invalid("the body is not valid JSON: " + (cut > 0 ? message[..cut] : message), null);
        }
        catch (InvalidOperationException e) when (e.InnerException is System.Text.DecoderFallbackException)
        {
            // The reader checks a string's UTF-8 only when the string is read.
            throw Invalid("the body is not valid JSON: a string is not valid UTF-8", null);
        }
    }

    private static JsonInferRequest ReadRequest(ref Utf8JsonReader reader, int maxCount, long maxBatchBytes)
    {
        string? id = null, modelName = null, modelVersion = null;
        var parameters = InferenceParameters.None("parameters");
        var inputs = new List<JsonInput>();
        var outputs = new List<JsonOutput>();
        while (NextProperty(ref reader) is { } property)
        {
            switch (property)
            {
                case "id":
                    id = ReadString(ref reader, "id");
                    break;
                case "model_name":
                    modelName = ReadString(ref reader, "model_name");
                    break;
                case "model_version":
                    modelVersion = ReadString(ref reader, "model_version");
                    break;
                case "parameters":
                    parameters = ReadParameters(ref reader, "parameters");
                    break;
                case "inputs":
                    ReadArray(ref reader, "inputs");
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        inputs.Add(ReadInput(ref reader, $"inputs[{inputs.Count}]", maxCount, maxBatchBytes));
                    }

                    break;
                case "outputs":
                    ReadArray(ref reader, "outputs");
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        outputs.Add(ReadOutput(ref reader, $"outputs[{outputs.Count}]"));
                    }

                    break;
                default:
                    throw Invalid($"'{property}' is not a field of an inference request", property);
            }
        }

        return new JsonInferRequest(id, modelName, modelVersion, parameters, inputs, outputs);
    }

    private static JsonInput ReadInput(ref Utf8JsonReader reader, string field, int maxCount, long maxBatchBytes)
    {
        ExpectObject(ref reader, field);
        var input = new JsonInput(field);
        while (NextProperty(ref reader) is { } property)
        {
            switch (property)
            {
                case "name":
                    input.Name = ReadString(ref reader, field + ".name");
                    break;
                case "datatype":
                    input.Datatype = ReadString(ref reader, field + ".datatype");
                    break;
                case "shape":
                    input.Shape = ReadShape(ref reader, field + ".shape");
                    break;
                case "parameters":
                    input.Parameters = ReadParameters(ref reader, field + ".parameters");
                    break;
                case "data":
                    (input.Data, input.Count, input.Nesting) = ReadData(ref reader, field + ".data", maxCount, maxBatchBytes);
                    break;
                default:
                    throw Invalid($"'{property}' is not a field of an input tensor", $"{field}.{property}");
            }
        }

        if (input is { Nesting: { } nesting, Shape: { } shape } && !nesting.AsSpan().SequenceEqual(shape))
        {
            throw Invalid($"nested data of lengths [{string.Join(", ", nesting)}] does not have the shape [{string.Join(", ", shape)}]", field + ".data");
        }

        return input;
    }

    private static JsonOutput ReadOutput(ref Utf8JsonReader reader, string field)
    {
        ExpectObject(ref reader, field);
        string? name = null;
        var parameters = InferenceParameters.None(field + ".parameters");
        while (NextProperty(ref reader) is { } property)
        {
            switch (property)
            {
                case "name":
                    name = ReadString(ref reader, field + ".name");
                    break;
                case "parameters":
                    parameters = ReadParameters(ref reader, field + ".parameters");
                    break;
                default:
                    throw Invalid($"'{property}' is not a field of a requested output", $"{field}.{property}");
            }
        }

        return new JsonOutput(field, name, parameters);
    }

    /// <summary>An object of name to boolean, number or string.</summary>
    private static InferenceParameters ReadParameters(ref Utf8JsonReader reader, string field)
    {
        ExpectObject(ref reader, field);
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        while (NextProperty(ref reader) is { } name)
        {
            values[name] = reader.TokenType switch
            {
                JsonTokenType.True => true,
                JsonTokenType.False => false,
                JsonTokenType.String => reader.GetString()!,
                JsonTokenType.Number when reader.TryGetInt64(out var integer) => integer,
                JsonTokenType.Number when reader.TryGetDouble(out var number) => number,
                _ => throw Invalid($"'{name}' must be a boolean, a finite number or a string", $"{field}.{name}"),
            };
        }

        return new InferenceParameters(values, field);
    }

    private static long[] ReadShape(ref Utf8JsonReader reader, string field)
    {
        ReadArray(ref reader, field);
        var dims = new List<long>(5);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var dim))
            {
                throw Invalid("the shape is an array of integers", field);
            }

            dims.Add(dim);
        }

        return [.. dims];
    }

    /// <summary>
    /// Flat or nested arrays of numbers, flattened in row-major order. Nested data must be rectangular: numbers only
    /// at the innermost level, and every array of one level as long as the others; their lengths come back as
    /// <c>Nesting</c> (null for flat data) for the caller to hold against the shape.
    /// </summary>
    private static (byte[] Bytes, int Count, long[]? Nesting) ReadData(ref Utf8JsonReader reader, string field, int maxCount, long maxBatchBytes)
    {
        ReadArray(ref reader, field);
        if (BufferedJsonBody.TryReadFloatArray(ref reader, maxCount, out var parsed, out var parsedCount))
        {
            return (parsed, parsedCount, null);
        }

        var bytes = new byte[Math.Min(256, sizeof(float) * maxCount)];
        var count = 0;
        var depth = 1;
        var leafDepth = 0;
        var children = new List<long> { 0 };
        var lengths = new List<long> { -1 };
        while (depth > 0 && reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartArray:
                    if (leafDepth != 0 && depth >= leafDepth)
                    {
                        throw Invalid($"value {count}: nested data holds numbers and arrays at the same level", field);
                    }

                    children[depth - 1]++;
                    depth++;
                    if (children.Count < depth)
                    {
                        children.Add(0);
                        lengths.Add(-1);
                    }

                    children[depth - 1] = 0;
                    break;
                case JsonTokenType.EndArray:
                    if (lengths[depth - 1] < 0)
                    {
                        lengths[depth - 1] = children[depth - 1];
                    }
                    else if (lengths[depth - 1] != children[depth - 1])
                    {
                        throw Invalid($"value {count}: nested data is ragged (arrays of {lengths[depth - 1]} and {children[depth - 1]} elements at level {depth})", field);
                    }

                    depth--;
                    break;
                case JsonTokenType.Number when FloatText.TryParseFast(reader.ValueSpan, out var value) || reader.TryGetSingle(out value):
                    if (leafDepth == 0)
                    {
                        leafDepth = depth;
                    }
                    else if (depth != leafDepth)
                    {
                        throw Invalid($"value {count}: nested data holds numbers and arrays at the same level", field);
                    }

                    if (sizeof(float) * (count + 1) > bytes.Length)
                    {
                        if (count >= maxCount)
                        {
                            throw new ServiceException(ServiceErrorKind.TooLarge,
                                $"the data holds more than {maxCount} float32 values, over the limit of {maxBatchBytes} bytes", field);
                        }

                        Array.Resize(ref bytes, (int)Math.Min(2L * bytes.Length, sizeof(float) * (long)maxCount));
                    }

                    BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(sizeof(float) * count), value);
                    children[depth - 1]++;
                    count++;
                    break;
                default:
                    throw Invalid($"value {count} is not a float32 number (FP32 data is numbers, flat or nested arrays)", field);
            }
        }

        var levels = leafDepth == 0 ? lengths.Count : leafDepth;
        return (bytes, count, levels <= 1 ? null : [.. lengths.Take(levels)]);
    }

    /// <summary>Moves to the next property of the current object and onto its value; null at the object's end.</summary>
    private static string? NextProperty(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType == JsonTokenType.EndObject)
        {
            return null;
        }

        var name = reader.GetString()!;
        reader.Read();
        return name;
    }

    private static string ReadString(ref Utf8JsonReader reader, string field) =>
        reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw Invalid("must be a string", field);

    private static void ReadArray(ref Utf8JsonReader reader, string field)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Invalid("must be an array", field);
        }
    }

    private static void ExpectObject(ref Utf8JsonReader reader, string field)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Invalid("must be an object", field);
        }
    }

    private static ServiceException Invalid(string message, string? field) => new(ServiceErrorKind.InvalidArgument, message, field);
}
