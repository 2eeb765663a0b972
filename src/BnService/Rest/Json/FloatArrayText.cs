using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BnService.Rest.Json;

/// <summary>
/// A JSON array of numbers parsed straight from UTF-8 into float32s: the JSON number grammar checked and the digits
/// gathered in one pass (token by token, the reader's own scan costs more than the conversion). Each value is exactly
/// the one the reader gives (<see cref="FloatText.TryCompose"/>, else the reader's own parser). Declines at anything
/// else (a string, null, a nested value, bad syntax), for the reader to report.
/// </summary>
public static class FloatArrayText
{
    /// <summary>Digits beyond these are left to the full parser (a ulong holds 19).</summary>
    private const int MaxGatheredDigits = 19;

    private const int MaxGatheredExponent = 1000;

    /// <summary>
    /// Parses <paramref name="array"/>: the text from an array's <c>[</c> to the first <c>]</c> after it, which a flat
    /// array of numbers ends at.
    /// </summary>
    /// <returns>False: not a well-formed array of numbers that fits in <paramref name="values"/>; nothing may be assumed of the outputs.</returns>
    public static bool TryParse(ReadOnlySpan<byte> array, Span<float> values, out int count)
    {
        count = 0;
        if (array.Length < 2 || array[0] != '[' || array[^1] != ']' || array[1..^1].Contains((byte)']'))
        {
            return false;
        }

        // The closing ']' is the text's last byte and its only one: every scan below stops at it at the latest, so the
        // reads need no bounds checks of their own.
        ref var text = ref MemoryMarshal.GetReference(array);
        var i = SkipWhitespace(ref text, 1);
        if (Unsafe.Add(ref text, i) == ']')
        {
            return true;
        }

        while (count < values.Length && TryParseNumber(ref text, ref i, out values[count]))
        {
            count++;
            i = SkipWhitespace(ref text, i);
            var next = Unsafe.Add(ref text, i);
            if (next == ']')
            {
                return true;
            }

            if (next != ',')
            {
                return false;
            }

            i = SkipWhitespace(ref text, i + 1);
        }

        return false;
    }

    /// <summary>One number, <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>, <paramref name="i"/> left just after it.</summary>
    private static bool TryParseNumber(ref byte text, ref nint i, out float value)
    {
        value = 0;
        var start = i;
        var c = Unsafe.Add(ref text, i);
        var negative = c == '-';
        if (negative)
        {
            c = Unsafe.Add(ref text, ++i);
        }

        if (!IsDigit(c))
        {
            return false;
        }

        // Leading zeros of a fraction are gathered too (they add nothing); a number longer than a ulong holds is left
        // to the full parser.
        ulong digits = 0;
        var gathered = 0;
        var power = 0;
        if (c == '0')
        {
            c = Unsafe.Add(ref text, ++i);
        }
        else
        {
            do
            {
                Gather(ref digits, ref gathered, c);
                c = Unsafe.Add(ref text, ++i);
            }
            while (IsDigit(c));
        }

        if (c == '.')
        {
            c = Unsafe.Add(ref text, ++i);
            if (!IsDigit(c))
            {
                return false;
            }

            do
            {
                Gather(ref digits, ref gathered, c);
                power--;
                c = Unsafe.Add(ref text, ++i);
            }
            while (IsDigit(c));
        }

        var exact = gathered <= MaxGatheredDigits;
        if ((c | 0x20) == 'e')
        {
            c = Unsafe.Add(ref text, ++i);
            var exponentNegative = c == '-';
            if (c is (byte)'-' or (byte)'+')
            {
                c = Unsafe.Add(ref text, ++i);
            }

            if (!IsDigit(c))
            {
                return false;
            }

            var exponent = 0;
            do
            {
                if (exponent < MaxGatheredExponent)
                {
                    exponent = exponent * 10 + (c - '0');
                }
                else
                {
                    exact = false;
                }

                c = Unsafe.Add(ref text, ++i);
            }
            while (IsDigit(c));

            power += exponentNegative ? -exponent : exponent;
        }

        if (exact && FloatText.TryCompose(digits, power, negative, out value))
        {
            return true;
        }

        // The reader's own conversion (Utf8JsonReader.TryGetSingle): the same float for the same text (an infinity past
        // float32's range, which the layer's input check then refuses as it would on the reader's path).
        var number = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref text, start), (int)(i - start));
        return Utf8Parser.TryParse(number, out value, out var consumed) && consumed == number.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Gather(ref ulong digits, ref int gathered, byte c)
    {
        if (gathered < MaxGatheredDigits)
        {
            digits = digits * 10 + (uint)(c - '0');
        }

        gathered++;
    }

    private static nint SkipWhitespace(ref byte text, nint i)
    {
        while (Unsafe.Add(ref text, i) is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            i++;
        }

        return i;
    }

    private static bool IsDigit(byte c) => (uint)(c - '0') <= 9;
}
