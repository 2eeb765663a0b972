using System.Buffers.Binary;
using System.Text.Json;

namespace BnService.StateFiles;

/// <summary>One tensor of a safetensors file: dtype name (<c>F32</c>, <c>I64</c>, ...), shape and raw little-endian bytes.</summary>
public sealed record SafetensorsTensor(string Name, string Dtype, long[] Shape, byte[] Data);

/// <summary>
/// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, N bytes of a JSON
/// object (each tensor's <c>dtype</c>, <c>shape</c> and <c>data_offsets</c> [begin, end) into the data that
/// follows, and an optional <c>__metadata__</c> map of strings), then the tensors' bytes, little-endian, packed
/// without holes. Reading checks all of it, as the reference implementation does.
/// </summary>
public static class SafetensorsFile
{
    public const string MetadataKey = "__metadata__";

    private static readonly Dictionary<string, int> DtypeSizes = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E4M3"] = 1, ["F8_E5M2"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["I64"] = 8, ["U64"] = 8, ["F64"] = 8,
    };

    /// <summary>The file: tensors in the order given, the header padded with spaces to a multiple of 8 bytes.</summary>
    public static byte[] Write(IReadOnlyList<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        using var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var tensor in tensors)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", tensor.Dtype);
                json.WriteStartArray("shape");
                foreach (var dim in tensor.Shape)
                {
                    json.WriteNumberValue(dim);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + tensor.Data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += tensor.Data.Length;
            }

            json.WriteEndObject();
        }

        var headerLength = (header.Length + 7) / 8 * 8;
        var file = new byte[8 + headerLength + tensors.Sum(t => (long)t.Data.Length)];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)headerLength);
        header.GetBuffer().AsSpan(0, (int)header.Length).CopyTo(file.AsSpan(8));
        file.AsSpan(8 + (int)header.Length, (int)(headerLength - header.Length)).Fill((byte)' ');
        var at = 8 + (int)headerLength;
        foreach (var tensor in tensors)
        {
            tensor.Data.CopyTo(file, at);
            at += tensor.Data.Length;
        }

        return file;
    }

    /// <summary>Reads and checks a file; anything malformed is a 400 on <c>body</c>.</summary>
    public static (IReadOnlyDictionary<string, SafetensorsTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(ReadOnlySpan<byte> file)
    {
        if (file.Length < 8)
        {
            throw Bad($"the body has {file.Length} bytes; a safetensors file starts with an 8-byte header length");
        }

        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerLength > (ulong)(file.Length - 8))
        {
            throw Bad($"the header length {headerLength} is past the end of the {file.Length}-byte body");
        }

        var header = file.Slice(8, (int)headerLength);
        if (header.IsEmpty || header[0] != (byte)'{')
        {
            throw Bad("the header is not a JSON object");
        }

        var data = file[(8 + (int)headerLength)..];
        var tensors = new Dictionary<string, SafetensorsTensor>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var spans = new List<(long Begin, long End, string Name)>();
        try
        {
            var reader = new Utf8JsonReader(header, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            using var document = JsonDocument.ParseValue(ref reader);
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in document.RootElement.EnumerateObject())
            {
                if (!names.Add(entry.Name))
                {
                    throw Bad($"the header names '{entry.Name}' twice");
                }

                if (entry.Name == MetadataKey)
                {
                    ReadMetadata(entry.Value, metadata);
                    continue;
                }

                var (dtype, shape, begin, end) = ReadEntry(entry.Name, entry.Value);
                spans.Add((begin, end, entry.Name));
                if (end > data.Length)
                {
                    throw Bad($"tensor '{entry.Name}' ends at byte {end} of the data, past its end ({data.Length} bytes)");
                }

                tensors[entry.Name] = new SafetensorsTensor(entry.Name, dtype, shape, data[(int)begin..(int)end].ToArray());
            }

            // Anything after the JSON object other than the padding is not a header.
            if (header[(int)reader.BytesConsumed..].IndexOfAnyExcept((byte)' ') >= 0)
            {
                throw Bad("the header has bytes after its JSON object other than space padding");
            }
        }
        catch (JsonException e)
        {
            throw Bad($"the header is not valid JSON: {e.Message}");
        }

        // Tensors cover the data exactly: in offset order, each starts where the previous ended, the last ends at its end.
        long next = 0;
        foreach (var (begin, end, name) in spans.OrderBy(s => s.Begin).ThenBy(s => s.End))
        {
            if (begin != next)
            {
                throw Bad(begin > next
                    ? $"the data has a gap before tensor '{name}' (bytes {next} to {begin} belong to no tensor)"
                    : $"tensor '{name}' overlaps another tensor's data");
            }

            next = end;
        }

        if (next != data.Length)
        {
            throw Bad($"the body has {data.Length - next} bytes after the last tensor's data");
        }

        return (tensors, metadata);
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Bad($"{MetadataKey} must be an object of strings");
        }

        foreach (var item in value.EnumerateObject())
        {
            metadata[item.Name] = item.Value.ValueKind == JsonValueKind.String
                ? item.Value.GetString()!
                : throw Bad($"{MetadataKey}.{item.Name} must be a string");
        }
    }

    private static (string Dtype, long[] Shape, long Begin, long End) ReadEntry(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Bad($"tensor '{name}' must be an object with dtype, shape and data_offsets");
        }

        string? dtype = null;
        long[]? shape = null;
        long[]? offsets = null;
        foreach (var member in value.EnumerateObject())
        {
            switch (member.Name)
            {
                case "dtype" when member.Value.ValueKind == JsonValueKind.String:
                    dtype = member.Value.GetString();
                    break;
                case "shape":
                    shape = Integers(name, "shape", member.Value);
                    break;
                case "data_offsets":
                    offsets = Integers(name, "data_offsets", member.Value);
                    break;
                default:
                    throw Bad($"tensor '{name}' has '{member.Name}', which is not dtype (a string), shape or data_offsets");
            }
        }

        if (dtype is null || shape is null || offsets is null)
        {
            throw Bad($"tensor '{name}' needs dtype, shape and data_offsets");
        }

        if (!DtypeSizes.TryGetValue(dtype, out var size))
        {
            throw Bad($"tensor '{name}' has dtype '{dtype}', which safetensors does not define");
        }

        if (offsets is not [var begin, var end] || begin > end)
        {
            throw Bad($"tensor '{name}' needs data_offsets [begin, end] with begin <= end");
        }

        long elements = 1;
        foreach (var dim in shape)
        {
            elements = dim == 0 || elements <= long.MaxValue / dim / size ? elements * dim : throw Bad($"tensor '{name}' has a shape too large");
        }

        if (end - begin != elements * size)
        {
            throw Bad($"tensor '{name}' ({dtype}, shape [{string.Join(", ", shape)}]) needs {elements * size} bytes but data_offsets give {end - begin}");
        }

        return (dtype, shape, begin, end);
    }

    private static long[] Integers(string name, string member, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Bad($"tensor '{name}': {member} must be an array of non-negative integers");
        }

        return [.. value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) && n >= 0
            ? n
            : throw Bad($"tensor '{name}': {member} must be an array of non-negative integers"))];
    }

    private static Layers.ServiceException Bad(string message) => ImportErrors.Invalid("body", message);
}
