using System.Runtime.CompilerServices;

namespace BnService.Rest.Json;

/// <summary>
/// Decimal text to float32, fast for the numbers tensors carry (a power of ten within ±22, after Clinger): the digits as
/// an integer, one double multiplication or division by a power of ten, then to float. Digits below 2^53 are an exact
/// double, so the one operation rounds correctly, and only a double exactly halfway between two floats (where rounding
/// twice could differ from rounding once) is left to the full parser. Longer digits (up to 18 or 19, below 2^63: the
/// 16 to 17 significant digits of a float32's double, as Python's json.dumps writes a float32 array's tolist()) round
/// once more on the way to double: the double is then within two of its units of the decimal, and one within two units
/// of halfway is left to the full parser.
/// </summary>
public static class FloatText
{
    /// <summary>Significant digits beyond these may not fit in a ulong (19 always do; past 2^63 they are declined).</summary>
    private const int MaxDigits = 19;
    private const int MaxPower = 22;

    /// <summary>2^53: the digits below it are an exact double.</summary>
    private const ulong MaxExactDigits = 1UL << 53;

    /// <summary>2^63: the digits below it convert to double as a long does, with one correct rounding.</summary>
    private const ulong MaxRoundedDigits = 1UL << 63;

    /// <summary>The float32 halfway point in the 29 bits a double has beyond a float's 24: 1000…0.</summary>
    private const long Halfway = 0x1000_0000;

    private static readonly double[] PowersOfTen =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    /// <summary>Parses a JSON number (already checked for syntax by the reader); false: use the full parser.</summary>
    public static bool TryParseFast(ReadOnlySpan<byte> text, out float value)
    {
        value = 0;
        var i = 0;
        var negative = i < text.Length && text[i] == '-';
        if (negative)
        {
            i++;
        }

        ulong digits = 0;
        var significant = 0;
        var power = 0;
        for (; i < text.Length && IsDigit(text[i]); i++)
        {
            if (!Append(ref digits, ref significant, text[i]))
            {
                return false;
            }
        }

        if (i < text.Length && text[i] == '.')
        {
            for (i++; i < text.Length && IsDigit(text[i]); i++)
            {
                if (!Append(ref digits, ref significant, text[i]))
                {
                    return false;
                }

                power--;
            }
        }

        if (i < text.Length && (text[i] | 0x20) == 'e')
        {
            i++;
            var exponentNegative = i < text.Length && text[i] == '-';
            if (i < text.Length && (text[i] == '-' || text[i] == '+'))
            {
                i++;
            }

            var exponent = 0;
            for (; i < text.Length && IsDigit(text[i]); i++)
            {
                exponent = exponent * 10 + (text[i] - '0');
                if (exponent > 1000)
                {
                    return false;
                }
            }

            power += exponentNegative ? -exponent : exponent;
        }

        return i == text.Length && TryCompose(digits, power, negative, out value);
    }

    /// <summary>
    /// digits × 10^power as float32 when one double operation gives it (digits below 2^63, a power of ten within ±22, not
    /// at or near halfway between two floats); false: use the full parser.
    /// </summary>
    public static bool TryCompose(ulong digits, int power, bool negative, out float value)
    {
        value = 0;
        if (power is < -MaxPower or > MaxPower || digits >= MaxRoundedDigits)
        {
            return false;
        }

        // The power is exact (10^22 < 2^53 × 2^22), and so are digits below 2^53: one operation rounds correctly, and
        // rounding that double to float again is the single rounding of the decimal unless the double is exactly
        // halfway between two floats (its 29 dropped bits 1000…0). Longer digits round once on conversion (half a unit),
        // the operation once more (half a unit, and the first half scaled by at most one unit): within two units of
        // halfway the decimal may lie on either side, so decline there. The result, 2^63 × 10^22 at most and 10^-22 at
        // least, is declined past float32's range and otherwise a normal float.
        var exact = power < 0 ? (long)digits / PowersOfTen[-power] : (long)digits * PowersOfTen[power];
        var fromHalfway = (long)(BitConverter.DoubleToUInt64Bits(exact) & 0x1FFF_FFFF) - Halfway;
        var margin = digits < MaxExactDigits ? 0 : 2;
        if (Math.Abs(fromHalfway) <= margin || exact > float.MaxValue)
        {
            return false;
        }

        // The sign as a bit, not a branch: a tensor's signs are random, and a mispredicted branch costs more than the rest.
        value = BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits((float)exact) | ((uint)Unsafe.BitCast<bool, byte>(negative) << 31));
        return true;
    }

    private static bool IsDigit(byte c) => (uint)(c - '0') <= 9;

    private static bool Append(ref ulong digits, ref int significant, byte c)
    {
        digits = digits * 10 + (uint)(c - '0');
        if (digits != 0 && ++significant > MaxDigits)
        {
            return false;
        }

        return true;
    }
}
