using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using BnService.Layers;

namespace BnService.Rest.Json;

/// <summary>
/// The whole JSON body this thread is deserializing, when it is in memory (<see cref="Use"/>, around one synchronous
/// <see cref="JsonSerializer.Deserialize{TValue}(ReadOnlySpan{byte}, JsonSerializerOptions?)"/>), so that a tensor's
/// <c>data</c> array can be parsed straight from the text (<see cref="FloatArrayText"/>) and the reader moved past it,
/// instead of the reader stepping through every number. Anything unusual is declined, and the reader's own path then
/// reads the array (and reports its errors) as it always has.
/// </summary>
/// <remarks>
/// The reader moved past the array starts counting its byte positions anew. The serializer only uses those for error
/// positions and for properties it reads again later, which it does for objects built through constructor parameters:
/// the requests holding tensors have none (a test keeps it so).
/// </remarks>
public static class BufferedJsonBody
{
    [ThreadStatic]
    private static byte[]? t_body;

    [ThreadStatic]
    private static int t_length;

    /// <summary>Makes the first <paramref name="length"/> bytes of <paramref name="body"/> this thread's body until disposed.</summary>
    public static Scope Use(byte[] body, int length)
    {
        var scope = new Scope(t_body, t_length);
        t_body = body;
        t_length = length;
        return scope;
    }

    /// <summary>
    /// Reads the array at the reader (on its <c>[</c>) into float32 bytes (exactly its values, pooled when large) and
    /// leaves the reader on its <c>]</c>. False, reader untouched: read it token by token.
    /// </summary>
    public static bool TryReadFloatArray(ref Utf8JsonReader reader, int maxCount, out byte[] bytes, out int count)
    {
        bytes = [];
        count = 0;
        if (t_body is not { } body || reader.TokenType != JsonTokenType.StartArray || reader.HasValueSequence)
        {
            return false;
        }

        // Where the reader's '[' sits in the body, if the reader reads this body at all.
        var text = body.AsSpan(0, t_length);
        var at = Unsafe.ByteOffset(ref MemoryMarshal.GetArrayDataReference(body), ref MemoryMarshal.GetReference(reader.ValueSpan));
        if (at < 0 || at >= text.Length || text[(int)at] != '[')
        {
            return false;
        }

        // A flat array of numbers ends at the first ']' and has one comma fewer than values: the buffer's exact size.
        var start = (int)at;
        var close = text[start..].IndexOf((byte)']');
        if (close < 0)
        {
            return false;
        }

        var array = text.Slice(start, close + 1);
        var size = array.Count((byte)',') + 1;
        if (size > maxCount)
        {
            return false;
        }

        bytes = TensorBuffers.Rent(sizeof(float) * size);
        if (!FloatArrayText.TryParse(array, MemoryMarshal.Cast<byte, float>(bytes.AsSpan()), out count))
        {
            TensorBuffers.Return(bytes);
            bytes = [];
            count = 0;
            return false;
        }

        // A reader resumed at the ']' in the state the '[' left: it reads the end of the array as an empty array's.
        reader = new Utf8JsonReader(text[(start + close)..], isFinalBlock: true, reader.CurrentState);
        reader.Read();
        return true;
    }

    public readonly struct Scope(byte[]? previousBody, int previousLength) : IDisposable
    {
        public void Dispose()
        {
            t_body = previousBody;
            t_length = previousLength;
        }
    }
}
