using System.Text.Json;

namespace BnService.Rest.Json;

/// <summary>
/// Writes float32 values as a JSON array of their shortest round-trip texts (<see cref="FloatElements"/>): formatted into
/// a small chunk on the stack and handed to the writer a chunk at a time, with no string or boxed number per value.
/// </summary>
public static class JsonFloatArray
{
    /// <summary>
    /// Text per hand-over: enough that the writer's per-call cost vanishes, and a fraction of the 4 KiB blocks the server's
    /// response pipe is made of (a longer raw value would need a block of its own, allocated outside the server's pool,
    /// and a response holds all its blocks until the serializer flushes, after the tensor).
    /// </summary>
    private const int ChunkBytes = 1024;

    public static void Write(Utf8JsonWriter writer, ReadOnlySpan<float> values)
    {
        writer.WriteStartArray();
        WriteValues(writer, values);
        writer.WriteEndArray();
    }

    /// <summary>The values as elements of the array the writer has open (a caller may flush between slices of a long one).</summary>
    public static void WriteValues(Utf8JsonWriter writer, ReadOnlySpan<float> values)
    {
        Span<byte> chunk = stackalloc byte[ChunkBytes];
        while (!values.IsEmpty)
        {
            var length = FloatElements.Write(values, chunk, out var taken);
            WriteElements(writer, chunk[..length]);
            values = values[taken..];
        }
    }

    /// <summary>
    /// A run of elements, each followed by a comma (the last one dropped here), as one unvalidated raw value: the writer
    /// puts the comma between runs as it does between elements, so the array it ends up with is plain valid JSON.
    /// </summary>
    private static void WriteElements(Utf8JsonWriter writer, ReadOnlySpan<byte> elements) =>
        writer.WriteRawValue(elements[..^1], skipInputValidation: true);
}
