using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BnService.Rest.Json;

/// <summary>
/// float32 to UTF-8 text: the shortest decimal that reads back as the same float (Ryu's binary32 algorithm, Ulf Adams,
/// PLDI 2018), laid out as <c>float.ToString("R", CultureInfo.InvariantCulture)</c> lays it out (<c>0.0001</c>,
/// <c>-1.5</c>, <c>123456790</c>, <c>1E+09</c>, <c>1.2345678E-05</c>), so the text is the same as the runtime's and a
/// valid JSON number. About three times faster than the runtime's formatter here, and no string per value.
/// </summary>
public static class FloatFormat
{
    /// <summary>The longest text of a float: nine digits after <c>-0.000</c>, as in <c>-0.000100000005</c>.</summary>
    public const int MaxLength = 15;

    /// <summary>The room <see cref="Format"/> needs: the longest text and 8 bytes more, which it may overwrite with scratch.</summary>
    public const int RequiredSpace = MaxLength + 9;

    private const int MantissaBits = 23;
    private const int ExponentBias = 127;
    private const int Pow5InverseBitCount = 59;
    private const int Pow5BitCount = 61;

    /// <summary>Fixed notation for a decimal point position in this range (the runtime's rule for float), else scientific.</summary>
    private const int MinFixedScale = -3;
    private const int MaxFixedScale = 9;

    /// <summary>floor(2^(bits(5^q) - 1 + 59) / 5^q) + 1: multiplying by it divides by 5^q.</summary>
    private static readonly ulong[] Pow5Inverse = Table(31, q =>
        (BigInteger.One << ((int)Pow5Bits(q) - 1 + Pow5InverseBitCount)) / BigInteger.Pow(5, q) + 1);

    /// <summary>5^i, its top 61 bits.</summary>
    private static readonly ulong[] Pow5 = Table(48, i =>
    {
        var pow = BigInteger.Pow(5, i);
        var shift = (int)Pow5Bits(i) - Pow5BitCount;
        return shift >= 0 ? pow >> shift : pow << -shift;
    });

    /// <summary>10^0 to 10^9.</summary>
    private static readonly uint[] Pow10 = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];

    /// <summary><c>0.000000</c>, the start of a fixed number below 1.</summary>
    private static readonly ulong ZeroPoint = MemoryMarshal.Read<ulong>("0.000000"u8);

    /// <summary>"00" to "99": each pair of UTF-8 digits as one two-byte value (laid out in memory as the two digits).</summary>
    private static readonly ushort[] DigitPairs =
        [.. Enumerable.Range(0, 100).Select(i => MemoryMarshal.Read<ushort>([(byte)('0' + i / 10), (byte)('0' + i % 10)]))];

    /// <summary>
    /// Writes <paramref name="value"/> at the start of <paramref name="destination"/>, which must have at least
    /// <see cref="RequiredSpace"/> bytes: the bytes just past the text may be overwritten too.
    /// </summary>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentException">NaN or an infinity (JSON has no such number), or too short a destination.</exception>
    public static int Format(float value, Span<byte> destination)
    {
        if (destination.Length < RequiredSpace)
        {
            throw new ArgumentException($"formatting a float needs {RequiredSpace} bytes of room", nameof(destination));
        }

        return FormatUnchecked(value, ref MemoryMarshal.GetReference(destination));
    }

    /// <summary><see cref="Format"/> for a caller that guarantees the <see cref="RequiredSpace"/> bytes at <paramref name="destination"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int FormatUnchecked(float value, ref byte destination)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        var ieeeMantissa = bits & ((1u << MantissaBits) - 1);
        var ieeeExponent = (int)(bits >> MantissaBits) & 0xFF;
        if (ieeeExponent == 0xFF)
        {
            throw new ArgumentException($"{value} is not a finite number; JSON cannot carry it", nameof(value));
        }

        // The sign is always stored and the number written over it when there is none (no branch on the sign).
        var sign = (int)(bits >> 31);
        destination = (byte)'-';
        if (ieeeExponent == 0 && ieeeMantissa == 0)
        {
            Unsafe.Add(ref destination, sign) = (byte)'0';
            return sign + 1;
        }

        var (digits, exponent) = ShortestDecimal(ieeeMantissa, ieeeExponent);
        return sign + Layout(digits, exponent, ref Unsafe.Add(ref destination, sign));
    }

    /// <summary>The digits (no trailing zeros) and the power of ten of the shortest decimal that rounds to the float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (uint Digits, int Exponent) ShortestDecimal(uint ieeeMantissa, int ieeeExponent)
    {
        int e2;
        uint m2;
        if (ieeeExponent == 0)
        {
            e2 = 1 - ExponentBias - MantissaBits - 2;
            m2 = ieeeMantissa;
        }
        else
        {
            e2 = ieeeExponent - ExponentBias - MantissaBits - 2;
            m2 = (1u << MantissaBits) | ieeeMantissa;
        }

        // A float halfway between two decimals' bounds rounds to even: an even mantissa's own bounds still read back to it.
        var acceptBounds = (m2 & 1) == 0;

        // The float and the midpoints to its neighbours, times 4 (the lower gap is half as wide at a power of two).
        var mv = 4 * m2;
        var mp = 4 * m2 + 2;
        var mmShift = ieeeMantissa != 0 || ieeeExponent <= 1 ? 1u : 0u;
        var mm = 4 * m2 - 1 - mmShift;

        // The three as decimals of the same power of ten, and whether the divisions dropped only zeros.
        uint vr, vp, vm;
        int e10;
        var vmIsTrailingZeros = false;
        var vrIsTrailingZeros = false;
        uint lastRemovedDigit = 0;
        if (e2 >= 0)
        {
            var q = Log10Pow2(e2);
            e10 = (int)q;
            var k = Pow5InverseBitCount + (int)Pow5Bits((int)q) - 1;
            var i = -e2 + (int)q + k;
            vr = MulShift(mv, Pow5Inverse[q], i);
            vp = MulShift(mp, Pow5Inverse[q], i);
            vm = MulShift(mm, Pow5Inverse[q], i);
            if (q != 0 && (vp - 1) / 10 <= vm / 10)
            {
                // One removed digit is needed even if the loop below removes none.
                var l = Pow5InverseBitCount + (int)Pow5Bits((int)q - 1) - 1;
                lastRemovedDigit = MulShift(mv, Pow5Inverse[q - 1], -e2 + (int)q - 1 + l) % 10;
            }

            if (q <= 9)
            {
                // Only one of mp, mv and mm can be a multiple of 5, if any.
                if (mv % 5 == 0)
                {
                    vrIsTrailingZeros = IsMultipleOfPowerOf5(mv, q);
                }
                else if (acceptBounds)
                {
                    vmIsTrailingZeros = IsMultipleOfPowerOf5(mm, q);
                }
                else if (IsMultipleOfPowerOf5(mp, q))
                {
                    vp--;
                }
            }
        }
        else
        {
            var q = Log10Pow5(-e2);
            e10 = (int)q + e2;
            var i = -e2 - (int)q;
            var k = (int)Pow5Bits(i) - Pow5BitCount;
            var j = (int)q - k;
            vr = MulShift(mv, Pow5[i], j);
            vp = MulShift(mp, Pow5[i], j);
            vm = MulShift(mm, Pow5[i], j);
            if (q != 0 && (vp - 1) / 10 <= vm / 10)
            {
                j = (int)q - 1 - ((int)Pow5Bits(i + 1) - Pow5BitCount);
                lastRemovedDigit = MulShift(mv, Pow5[i + 1], j) % 10;
            }

            if (q <= 1)
            {
                // mv = 4 * m2 has at least two trailing zero bits; mm has one exactly when mmShift is 1; mp = mv + 2 has one.
                vrIsTrailingZeros = true;
                if (acceptBounds)
                {
                    vmIsTrailingZeros = mmShift == 1;
                }
                else
                {
                    vp--;
                }
            }
            else if (q < 31)
            {
                vrIsTrailingZeros = (mv & ((1u << ((int)q - 1)) - 1)) == 0;
            }
        }

        // The shortest decimal in the interval: drop digits while the bounds still differ above them.
        var removed = 0;
        uint output;
        if (vmIsTrailingZeros || vrIsTrailingZeros)
        {
            // The rare case (about 4 %): exact ties and inclusive bounds.
            while (vp / 10 > vm / 10)
            {
                vmIsTrailingZeros &= vm % 10 == 0;
                vrIsTrailingZeros &= lastRemovedDigit == 0;
                lastRemovedDigit = vr % 10;
                vr /= 10;
                vp /= 10;
                vm /= 10;
                removed++;
            }

            if (vmIsTrailingZeros)
            {
                while (vm % 10 == 0)
                {
                    vrIsTrailingZeros &= lastRemovedDigit == 0;
                    lastRemovedDigit = vr % 10;
                    vr /= 10;
                    vp /= 10;
                    vm /= 10;
                    removed++;
                }
            }

            if (vrIsTrailingZeros && lastRemovedDigit == 5 && vr % 2 == 0)
            {
                // Exactly halfway: round to even.
                lastRemovedDigit = 4;
            }

            output = vr + ((vr == vm && (!acceptBounds || !vmIsTrailingZeros)) || lastRemovedDigit >= 5 ? 1u : 0u);
        }
        else
        {
            // The common case (about 96 %): usually one or two digits to drop.
            var vpDiv10 = vp / 10;
            var vmDiv10 = vm / 10;
            while (vpDiv10 > vmDiv10)
            {
                var vrDiv10 = vr / 10;
                lastRemovedDigit = vr - 10 * vrDiv10;
                vr = vrDiv10;
                vm = vmDiv10;
                vpDiv10 /= 10;
                vmDiv10 = vm / 10;
                removed++;
            }

            // Without short-circuits: the removed digit is random, a branch on it would be mispredicted half the time.
            output = vr + ((vr == vm) | (lastRemovedDigit >= 5) ? 1u : 0u);
        }

        var exponent = e10 + removed;
        while (output % 10 == 0)
        {
            output /= 10;
            exponent++;
        }

        return (output, exponent);
    }

    /// <summary>
    /// digits × 10^exponent as the runtime writes a float: fixed for a decimal point within [-3, 9], else d.dddE±xx.
    /// The digits are first padded to nine (<c>d1</c> and eight more as one 8-byte value), so every case is a few
    /// fixed-size stores; some land past the text, in the scratch room the caller provides.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Layout(uint digits, int exponent, ref byte destination)
    {
        var count = DecimalLength(digits);
        // The position of the decimal point relative to the first digit: 0.d1d2... × 10^scale.
        var scale = exponent + count;
        var nine = digits * Pow10[9 - count];
        var first = nine / 100_000_000;
        var rest = EightDigits(nine - first * 100_000_000);
        var firstDigit = (byte)('0' + first);
        if (scale == 1)
        {
            // d.ddd, the most common form for normalized data.
            destination = firstDigit;
            Unsafe.Add(ref destination, 1) = (byte)'.';
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, 2), rest);
            return count == 1 ? 1 : count + 1;
        }

        if (scale is >= MinFixedScale and <= 0)
        {
            // 0.000ddd
            Unsafe.WriteUnaligned(ref destination, ZeroPoint);
            Unsafe.Add(ref destination, 2 - scale) = firstDigit;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, 3 - scale), rest);
            return 2 - scale + count;
        }

        if (scale is > 1 and <= MaxFixedScale)
        {
            // ddd000 (the padding zeros are the nine digits' own), or dd.ddd: the digits after the point moved one place right.
            destination = firstDigit;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, 1), rest);
            if (count <= scale)
            {
                return scale;
            }

            var fraction = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref destination, scale));
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, scale + 1), fraction);
            Unsafe.Add(ref destination, scale) = (byte)'.';
            return count + 1;
        }

        // d.dddE±xx
        destination = firstDigit;
        var length = 1;
        if (count > 1)
        {
            Unsafe.Add(ref destination, 1) = (byte)'.';
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, 2), rest);
            length = count + 1;
        }

        var power = scale - 1;
        Unsafe.Add(ref destination, length) = (byte)'E';
        Unsafe.Add(ref destination, length + 1) = power < 0 ? (byte)'-' : (byte)'+';
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, length + 2), Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(DigitPairs), Math.Abs(power)));
        return length + 4;
    }

    /// <summary>
    /// The eight decimal digits of <paramref name="value"/> (below 10^8, leading zeros kept) as UTF-8, first digit first
    /// in memory: split in halves, quarters and single digits in the lanes of one 64-bit value (divisions by 100 and 10
    /// as multiplications, exact for these ranges).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong EightDigits(uint value)
    {
        ulong high = value / 10_000;
        var halves = high | ((value - high * 10_000) << 32);
        var hundreds = ((halves * 10_486) >> 20) & 0x0000_007F_0000_007F;
        var quarters = hundreds | ((halves - hundreds * 100) << 16);
        var tens = ((quarters * 103) >> 10) & 0x000F_000F_000F_000F;
        var digits = (tens | ((quarters - tens * 10) << 8)) | 0x3030_3030_3030_3030;
        return BitConverter.IsLittleEndian ? digits : BinaryPrimitives.ReverseEndianness(digits);
    }

    /// <summary>The number of decimal digits of a non-zero value: from its bit length, then one comparison.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int DecimalLength(uint value)
    {
        var guess = ((32 - BitOperations.LeadingZeroCount(value)) * 1233) >> 12;
        return guess + (value >= Pow10[guess] ? 1 : 0);
    }

    /// <summary>(m × factor) >> shift, with shift above 32 (the product has up to 96 bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint MulShift(uint m, ulong factor, int shift)
    {
        var low = (ulong)m * (uint)factor;
        var high = (ulong)m * (uint)(factor >> 32);
        return (uint)(((low >> 32) + high) >> (shift - 32));
    }

    private static bool IsMultipleOfPowerOf5(uint value, uint power)
    {
        uint count = 0;
        while (value % 5 == 0)
        {
            value /= 5;
            count++;
        }

        return count >= power;
    }

    /// <summary>The bit length of 5^e (1 for e = 0), for 0 &lt;= e &lt;= 3528.</summary>
    private static uint Pow5Bits(int e) => (uint)((e * 1217359) >> 19) + 1;

    /// <summary>floor(log10(2^e)), for 0 &lt;= e &lt;= 1650.</summary>
    private static uint Log10Pow2(int e) => (uint)((e * 78913) >> 18);

    /// <summary>floor(log10(5^e)), for 0 &lt;= e &lt;= 2620.</summary>
    private static uint Log10Pow5(int e) => (uint)((e * 732923) >> 20);

    private static ulong[] Table(int length, Func<int, BigInteger> entry) => [.. Enumerable.Range(0, length).Select(i => (ulong)entry(i))];
}
