using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace BnService.Tests.StateFiles;

/// <summary>
/// safetensors files for tests, written straight from the format's public description (huggingface/safetensors
/// README): 8 bytes of little-endian u64 header size N, N bytes of a UTF-8 JSON header (space padding allowed),
/// then the byte buffer; each tensor's data_offsets are [begin, end) relative to the buffer's start.
/// Independent of the service's own reader and writer.
/// </summary>
public static class SafetensorsBytes
{
    public static byte[] File(string header, byte[] buffer, int padding = 0)
    {
        var json = Encoding.UTF8.GetBytes(header + new string(' ', padding));
        var file = new byte[8 + json.Length + buffer.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        buffer.CopyTo(file, 8 + json.Length);
        return file;
    }

    public static byte[] F32(params float[] values)
    {
        var bytes = new byte[4 * values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        }

        return bytes;
    }

    public static byte[] I64(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        return bytes;
    }

    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    /// <summary>A parsed file: each tensor's dtype, shape and bytes, and the metadata.</summary>
    public sealed record Tensor(string Dtype, long[] Shape, byte[] Data)
    {
        public float[] Floats() => [.. Enumerable.Range(0, Data.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(Data.AsSpan(4 * i)))];

        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Data);
    }

    public static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Parse(byte[] file)
    {
        var n = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(file, 8, n));
        var buffer = file.AsSpan(8 + n);
        var tensors = new Dictionary<string, Tensor>();
        var metadata = new Dictionary<string, string>();
        long covered = 0;
        foreach (var entry in header.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__")
            {
                foreach (var item in entry.Value.EnumerateObject())
                {
                    metadata[item.Name] = item.Value.GetString()!;
                }

                continue;
            }

            var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(v => v.GetInt32()).ToArray();
            covered += offsets[1] - offsets[0];
            tensors[entry.Name] = new Tensor(entry.Value.GetProperty("dtype").GetString()!,
                [.. entry.Value.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64())],
                buffer[offsets[0]..offsets[1]].ToArray());
        }

        Assert.Equal(buffer.Length, covered);
        return (tensors, metadata);
    }
}
