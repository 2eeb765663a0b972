using System.Runtime.CompilerServices;

namespace BnService.Rest.Json;

/// <summary>
/// Decimal text to float32, fast for the numbers tensors carry (digits below 2^53, a power of ten within ±22, after
/// Clinger): the digits as an integer, one exact double multiplication or division by a power of ten (correctly rounded,
/// since both operands are exact doubles), then to float. Anything else, and the rare double that lands exactly halfway
/// between two floats (where rounding twice could differ from rounding once), is left to the full parser.
/// </summary>
public static class FloatText
{
    /// <summary>Significant digits beyond these do not fit in <see cref="MaxExactDigits"/>.</summary>
    private const int MaxDigits = 16;
    private const int MaxPower = 22;

    /// <summary>2^53: the digits below it are an exact double.</summary>
    private const ulong MaxExactDigits = 1UL << 53;

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
    /// digits × 10^power as float32 when one exact double operation gives it (digits below 2^53, a power of ten within
    /// ±22, not exactly halfway between two floats); false: use the full parser.
    /// </summary>
    public static bool TryCompose(ulong digits, int power, bool negative, out float value)
    {
        value = 0;
        if (power is < -MaxPower or > MaxPower || digits >= MaxExactDigits)
        {
            return false;
        }

        // Both exact (digits < 2^53, 10^22 < 2^53 × 2^22), so one operation rounds correctly; the result (2^53 × 10^22 at
        // most, 10^-22 at least) is a normal float. Rounding that double to float again is the single rounding of the
        // decimal unless the double is exactly halfway between two floats (its 29 dropped bits 1000…0): then decline.
        var exact = power < 0 ? digits / PowersOfTen[-power] : digits * PowersOfTen[power];
        if ((BitConverter.DoubleToUInt64Bits(exact) & 0x1FFF_FFFF) == 0x1000_0000)
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
