using System.Buffers.Text;

namespace BnService.Rest.Json;

/// <summary>
/// The elements of a JSON array of numbers, parsed straight from UTF-8 into float32s: the JSON number grammar checked
/// and the digits gathered in one pass (token by token, the reader's own scan costs more than the conversion). Each value
/// is exactly the one the reader gives (<see cref="FloatText.TryCompose"/>, else the reader's own parser). Declines at
/// anything else (a string, null, a nested value, bad syntax), for the reader to report.
/// </summary>
public static class FloatArrayText
{
    /// <summary>Digits gathered beyond these are left to the full parser (a ulong holds 19).</summary>
    private const int MaxGatheredDigits = 19;

    private const int MaxGatheredExponent = 1000;

    /// <summary>Parses the elements that follow an array's <c>[</c>, <paramref name="start"/> being the index just after it.</summary>
    /// <param name="json">The text the array is in.</param>
    /// <param name="start">The index just after the array's <c>[</c>.</param>
    /// <param name="values">Room for the values; more elements than it holds is a decline.</param>
    /// <param name="count">The number of values parsed.</param>
    /// <param name="end">The index of the array's <c>]</c>.</param>
    /// <returns>False: not a well-formed array of numbers that fits; nothing may be assumed of the outputs.</returns>
    public static bool TryParse(ReadOnlySpan<byte> json, int start, Span<float> values, out int count, out int end)
    {
        count = 0;
        end = 0;
        var i = SkipWhitespace(json, start);
        if (i < json.Length && json[i] == ']')
        {
            end = i;
            return true;
        }

        while (count < values.Length && TryParseNumber(json, ref i, out values[count]))
        {
            count++;
            i = SkipWhitespace(json, i);
            if (i >= json.Length)
            {
                return false;
            }

            if (json[i] == ']')
            {
                end = i;
                return true;
            }

            if (json[i] != ',')
            {
                return false;
            }

            i = SkipWhitespace(json, i + 1);
        }

        return false;
    }

    /// <summary>One number: <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>, <paramref name="i"/> left just after it.</summary>
    private static bool TryParseNumber(ReadOnlySpan<byte> json, ref int i, out float value)
    {
        value = 0;
        var start = i;
        var negative = i < json.Length && json[i] == '-';
        if (negative)
        {
            i++;
        }

        ulong digits = 0;
        var gathered = 0;
        var exact = true;
        var power = 0;
        if (i >= json.Length || !IsDigit(json[i]))
        {
            return false;
        }

        if (json[i] == '0')
        {
            i++;
        }
        else
        {
            for (; i < json.Length && IsDigit(json[i]); i++)
            {
                Gather(ref digits, ref gathered, ref exact, json[i]);
            }
        }

        if (i < json.Length && json[i] == '.')
        {
            i++;
            if (i >= json.Length || !IsDigit(json[i]))
            {
                return false;
            }

            for (; i < json.Length && IsDigit(json[i]); i++)
            {
                Gather(ref digits, ref gathered, ref exact, json[i]);
                power--;
            }
        }

        if (i < json.Length && (json[i] | 0x20) == 'e')
        {
            i++;
            var exponentNegative = i < json.Length && json[i] == '-';
            if (i < json.Length && (json[i] == '-' || json[i] == '+'))
            {
                i++;
            }

            if (i >= json.Length || !IsDigit(json[i]))
            {
                return false;
            }

            var exponent = 0;
            for (; i < json.Length && IsDigit(json[i]); i++)
            {
                if (exponent < MaxGatheredExponent)
                {
                    exponent = exponent * 10 + (json[i] - '0');
                }
                else
                {
                    exact = false;
                }
            }

            power += exponentNegative ? -exponent : exponent;
        }

        if (exact && FloatText.TryCompose(digits, power, negative, out value))
        {
            return true;
        }

        // The reader's own conversion (Utf8JsonReader.TryGetSingle): the same float for the same text (an infinity past
        // float32's range, which the layer's input check then refuses as the reader's path would have it refused).
        var number = json[start..i];
        return Utf8Parser.TryParse(number, out value, out var consumed) && consumed == number.Length;
    }

    /// <summary>Appends a digit; past 19 significant ones the value is left to the full parser.</summary>
    private static void Gather(ref ulong digits, ref int gathered, ref bool exact, byte c)
    {
        if (digits == 0 && c == '0')
        {
            return;
        }

        if (gathered == MaxGatheredDigits)
        {
            exact = false;
            return;
        }

        digits = digits * 10 + (uint)(c - '0');
        gathered++;
    }

    private static int SkipWhitespace(ReadOnlySpan<byte> json, int i)
    {
        while (i < json.Length && json[i] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            i++;
        }

        return i;
    }

    private static bool IsDigit(byte c) => (uint)(c - '0') <= 9;
}
