using System.Buffers;
using System.Text.Json;

namespace BnService.Rest.Json;

/// <summary>
/// Writes float32 values as a JSON array of their shortest round-trip texts (<see cref="FloatFormat"/>): formatted into
/// a pooled chunk and handed to the writer a chunk at a time, with no string or boxed number per value.
/// </summary>
public static class JsonFloatArray
{
    /// <summary>Text per hand-over: large enough that the writer's per-call cost vanishes, small enough to stay in cache.</summary>
    private const int ChunkBytes = 32 * 1024;

    public static void Write(Utf8JsonWriter writer, ReadOnlySpan<float> values)
    {
        writer.WriteStartArray();
        if (!values.IsEmpty)
        {
            var chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
            try
            {
                var length = 0;
                foreach (var value in values)
                {
                    if (length > chunk.Length - FloatFormat.RequiredSpace - 1)
                    {
                        WriteElements(writer, chunk, length);
                        length = 0;
                    }

                    length += FloatFormat.Format(value, chunk.AsSpan(length));
                    chunk[length++] = (byte)',';
                }

                WriteElements(writer, chunk, length);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }

        writer.WriteEndArray();
    }

    /// <summary>
    /// A run of elements, each followed by a comma (the last one dropped here), as one unvalidated raw value: the writer
    /// puts the comma between runs as it does between elements, so the array it ends up with is plain valid JSON.
    /// </summary>
    private static void WriteElements(Utf8JsonWriter writer, byte[] chunk, int length) =>
        writer.WriteRawValue(chunk.AsSpan(0, length - 1), skipInputValidation: true);
}
