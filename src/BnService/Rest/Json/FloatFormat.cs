using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BnService.Rest.Json;

/// <summary>
/// float32 to UTF-8 text: the shortest decimal that reads back as the same float, the closest to it of those (ties to
/// an even last digit), found by Schubfach (Raffaello Giulietti, "The Schubfach way to render doubles", 2020: three
/// products by one 64-bit power of ten, no loop), laid out as <c>float.ToString("R", CultureInfo.InvariantCulture)</c>
/// lays it out (<c>0.0001</c>, <c>-1.5</c>, <c>123456790</c>, <c>1E+09</c>, <c>1.2345678E-05</c>), so the text is the same
/// as the runtime's and a valid JSON number. About a quarter of the runtime formatter's time here (20 ns a value against
/// 77 in bench/BnService.JsonBench), and no string per value.
/// </summary>
public static class FloatFormat
{
    /// <summary>The longest text of a float: nine digits after <c>-0.000</c>, as in <c>-0.000100000005</c>.</summary>
    public const int MaxLength = 15;

    /// <summary>The room <see cref="Format"/> needs: the longest text and 8 bytes more, which it may overwrite with scratch.</summary>
    public const int RequiredSpace = MaxLength + 9;

    private const int MantissaBits = 23;

    /// <summary>The binary exponent of the smallest float's last bit (2^-149).</summary>
    private const int MinBinaryExponent = -149;

    /// <summary>The power of ten of the first entry of <see cref="Pow10Scaled"/> (10^-32, below what any float needs).</summary>
    private const int MinPow10 = -32;

    /// <summary>Fixed notation for a decimal point position in this range (the runtime's rule for float), else scientific.</summary>
    internal const int MinFixedScale = -3;
    internal const int MaxFixedScale = 9;

    /// <summary>
    /// 10^e for e from <see cref="MinPow10"/> to 46, each as the top 63 bits of floor(10^e × 2^-r) + 1 (r such that the
    /// whole lies in [2^125, 2^126)), plus one: a 63-bit value a little above 10^e × 2^(62 - floor(log2 10^e)), which the
    /// paper shows is close enough for every float32.
    /// </summary>
    private static readonly ulong[] Pow10Scaled = [.. Enumerable.Range(MinPow10, 46 - MinPow10 + 1).Select(e =>
    {
        var shift = 125 - FloorLog2Pow10(e);
        var scaled = e >= 0
            ? shift >= 0 ? BigInteger.Pow(10, e) << shift : BigInteger.Pow(10, e) >> -shift
            : (BigInteger.One << shift) / BigInteger.Pow(10, -e);
        return (ulong)((scaled + 1) >> 63) + 1;
    })];

    /// <summary>
    /// What <see cref="ShortestDecimal"/> needs of a float's binary exponent, by its biased exponent (times 2, plus 1 for a
    /// zero mantissa): the power of ten k, the scaled 10^-k and the shift that go with it, and the gap below.
    /// </summary>
    internal static readonly Scaling[] Scalings = [.. Enumerable.Range(0, 512).Select(i => Scaling.Of(i >> 1, (i & 1) == 1))];

    /// <summary>10^0 to 10^9.</summary>
    private static readonly uint[] Pow10 = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];

    /// <summary>"00" to "99": each pair of UTF-8 digits as one two-byte value (laid out in memory as the two digits).</summary>
    private static readonly ushort[] DigitPairs =
        [.. Enumerable.Range(0, 100).Select(i => MemoryMarshal.Read<ushort>([(byte)('0' + i / 10), (byte)('0' + i % 10)]))];

    /// <summary>
    /// For each fixed decimal point position (scale -3 to 9), which byte of <c>d1 … d9 '0' '.'</c> goes where: <c>0.</c>
    /// and zeros before the digits, or the point moved in among them.
    /// </summary>
    private static readonly Vector128<byte>[] FixedLayouts = [.. Enumerable.Range(MinFixedScale, MaxFixedScale - MinFixedScale + 1).Select(FixedLayout)];

    /// <summary>
    /// The length of a fixed number, by decimal point position (scale -3 to 9, 16 entries each) and digit count (1 to 9):
    /// <c>0.000ddd</c>, <c>dd.ddd</c>, or <c>ddd000</c>.
    /// </summary>
    private static readonly byte[] FixedLengths = [.. Enumerable.Range(0, (MaxFixedScale - MinFixedScale + 1) * 16).Select(i =>
    {
        var (scale, count) = ((i >> 4) + MinFixedScale, i & 15);
        return (byte)(scale <= 0 ? 2 - scale + count : count > scale ? count + 1 : scale);
    })];

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
            ThrowNotFinite(value);
        }

        if (!BitConverter.IsLittleEndian)
        {
            return FormatByRuntime(value, ref destination);
        }

        // The sign is always stored and the number written over it when there is none (no branch on the sign).
        var sign = (int)(bits >> 31);
        destination = (byte)'-';
        if ((bits & 0x7FFF_FFFF) == 0)
        {
            Unsafe.Add(ref destination, sign) = (byte)'0';
            return sign + 1;
        }

        var (digits, exponent) = ShortestDecimal(ieeeMantissa, ieeeExponent);
        return sign + Layout(digits, exponent, ref Unsafe.Add(ref destination, sign));
    }

    /// <summary>Outside the formatting loop, which then needs no room for the message's parts.</summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowNotFinite(float value) =>
        throw new ArgumentException($"{value} is not a finite number; JSON cannot carry it", nameof(value));

    /// <summary>The runtime's own text, for a big-endian processor (the byte layouts here are little-endian).</summary>
    private static int FormatByRuntime(float value, ref byte destination)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        for (var i = 0; i < text.Length; i++)
        {
            Unsafe.Add(ref destination, i) = (byte)text[i];
        }

        return text.Length;
    }

    /// <summary>
    /// The digits (up to nine, trailing zeros possible) and the power of ten of the shortest decimal that rounds to the non-zero float,
    /// the closest to it of those: the float c × 2^q and its rounding interval's ends (the midpoints to its neighbours)
    /// scaled by 10^-k, k the largest power of ten not above the interval's width, so that the interval holds at most
    /// one multiple of 10 (one digit fewer) and one or two integers (the digits at 10^k).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (uint Digits, int Exponent) ShortestDecimal(uint ieeeMantissa, int ieeeExponent)
    {
        // c × 2^q, c below 2^24.
        var c = ieeeExponent == 0 ? ieeeMantissa : ieeeMantissa | (1u << MantissaBits);

        // The interval's ends, times 4: midway to each neighbour, the lower one a quarter step away at a power of two
        // (where the float below is half as far). An even c's own ends still read back to it (ties to even).
        ref readonly var scaling = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Scalings), (ieeeExponent << 1) | (ieeeMantissa == 0 ? 1 : 0));
        var outside = c & 1;
        var cb = (ulong)c << 2;
        var k = scaling.Exponent10;

        // x × 2^q × 10^-k, rounded to odd (exact enough to compare with integers), for the float and both ends.
        var h = scaling.Shift;
        var g = scaling.Pow10;
        var vb = RoundToOdd(g, cb << h);
        var vbl = RoundToOdd(g, (cb - scaling.LowerGap) << h) + outside;
        var vbr = RoundToOdd(g, (cb + 2) << h) - outside;

        // One digit fewer: the multiples of 10 around the float, when exactly one lies in the interval. Else the integer
        // below or above (s, s + 1), whichever lies in the interval; if both, the closer (ties to even). Chosen without
        // branches: which case applies is as random as the digits.
        var s = vb >> 2;
        var tens = s / 10;
        var lowerTen = Bit(vbl <= 40 * tens);
        var upperTen = Bit(40 * tens + 40 <= vbr);
        var shorter = tens + 1 - lowerTen;
        var below = Bit(vbl <= 4 * s);
        var above = Bit(4 * s + 4 <= vbr);
        var closerAbove = Bit((int)(vb - (4 * s + 2)) + (int)(s & 1) > 0);
        var longer = s + ((1 - below) | (above & closerAbove));
        var useShorter = lowerTen ^ upperTen;
        var mask = 0 - useShorter;
        return ((shorter & mask) | (longer & ~mask), k + (int)useShorter);
    }

    /// <summary>1 for true, 0 for false, without a branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Bit(bool value) => Unsafe.BitCast<bool, byte>(value);

    /// <summary>(g × cp) / 2^95 rounded to odd: its integer part with the lowest bit set when a fraction was dropped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint RoundToOdd(ulong g, ulong cp)
    {
        var high = Bmi2.X64.IsSupported ? Bmi2.X64.MultiplyNoFlags(g, cp) : Math.BigMul(g, cp, out _);
        return (uint)((high >> 31) | (((high & 0xFFFF_FFFF) + 0xFFFF_FFFF) >> 32));
    }

    /// <summary>
    /// digits × 10^exponent (up to nine digits, their trailing zeros not written) as the runtime writes a float: fixed for
    /// a decimal point within [-3, 9], else d.dddE±xx. The digits are first padded to nine, so every case is a few
    /// fixed-size stores; some land past the text, in the scratch room the caller provides. A fixed number is one byte
    /// shuffle of the nine digits, a '0' and a '.'.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Layout(uint digits, int exponent, ref byte destination)
    {
        // The position of the decimal point relative to the first digit: 0.d1d2... × 10^scale.
        var length = DecimalLength(digits);
        var scale = exponent + length;
        var nine = digits * Pow10[9 - length];
        var eight = nine / 10;
        var last = nine - eight * 10;
        var leading = EightDigits(eight);
        var rest = (leading >> 8) | ((ulong)('0' + last) << 56);

        // The digits up to the last one that is not zero (the first one never is): one and those of the eight after it.
        var count = 9 - (BitOperations.LeadingZeroCount(rest ^ 0x3030_3030_3030_3030) >> 3);
        if (scale is >= MinFixedScale and <= MaxFixedScale && Ssse3.IsSupported)
        {
            var text = Vector128.Create(leading, (ulong)('0' + last) | ('0' << 8) | ('.' << 16)).AsByte();
            var index = scale - MinFixedScale;
            var layout = Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(FixedLayouts), index);
            Ssse3.Shuffle(text, layout).StoreUnsafe(ref destination);
            return Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(FixedLengths), (index << 4) + count);
        }

        var first = (byte)leading;
        if (scale is >= MinFixedScale and <= MaxFixedScale)
        {
            return LayoutFixed(first, rest, count, scale, ref destination);
        }

        // d.dddE±xx
        destination = first;
        var written = 1;
        if (count > 1)
        {
            Unsafe.Add(ref destination, 1) = (byte)'.';
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, 2), rest);
            written = count + 1;
        }

        var power = scale - 1;
        Unsafe.Add(ref destination, written) = (byte)'E';
        Unsafe.Add(ref destination, written + 1) = power < 0 ? (byte)'-' : (byte)'+';
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, written + 2), Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(DigitPairs), Math.Abs(power)));
        return written + 4;
    }

    /// <summary>A fixed number without the byte shuffle (processors without SSSE3).</summary>
    private static int LayoutFixed(byte firstDigit, ulong rest, int count, int scale, ref byte destination)
    {
        if (scale <= 0)
        {
            // 0.000ddd
            Unsafe.WriteUnaligned(ref destination, MemoryMarshal.Read<ulong>("0.000000"u8));
            Unsafe.Add(ref destination, 2 - scale) = firstDigit;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, 3 - scale), rest);
            return 2 - scale + count;
        }

        // ddd000, or dd.ddd: the digits after the point moved one place right.
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

    /// <summary>The byte shuffle of <see cref="Layout"/> for one decimal point position: indexes into <c>d1 … d9 '0' '.'</c>.</summary>
    internal static Vector128<byte> FixedLayout(int scale)
    {
        const byte Zero = 9, Point = 10;
        var layout = new byte[16];
        for (var j = 0; j < layout.Length; j++)
        {
            layout[j] = scale <= 0
                ? j switch { 0 => Zero, 1 => Point, _ when j < 2 - scale => Zero, _ => (byte)Math.Min(j - 2 + scale, 8) }
                : j < scale ? (byte)j : j == scale ? Point : (byte)Math.Min(j - 1, 8);
        }

        return Vector128.Create(layout);
    }

    /// <summary>
    /// The eight decimal digits of <paramref name="value"/> (below 10^8, leading zeros kept) as UTF-8, first digit first
    /// in memory (on a little-endian processor; <see cref="FormatUnchecked"/> leaves the others to the runtime): split in halves, quarters and single digits in the lanes of one 64-bit value (divisions by 100 and 10
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
        return (tens | ((quarters - tens * 10) << 8)) | 0x3030_3030_3030_3030;
    }

    /// <summary>The number of decimal digits of a non-zero value: from its bit length, then one comparison.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int DecimalLength(uint value)
    {
        var guess = ((32 - BitOperations.LeadingZeroCount(value)) * 1233) >> 12;
        return guess + (value >= Pow10[guess] ? 1 : 0);
    }

    /// <param name="Pow10">10^-k, as in <see cref="Pow10Scaled"/>.</param>
    /// <param name="Shift">The shift that puts c × 4 × 2^q × 10^-k at bit 95 of its product by <paramref name="Pow10"/>.</param>
    /// <param name="Exponent10">k: the largest power of ten not above the width of the float's rounding interval.</param>
    /// <param name="LowerGap">The lower end's distance below c × 4: 2, or 1 at a power of two (the float below is nearer).</param>
    internal readonly record struct Scaling(ulong Pow10, int Shift, short Exponent10, ushort LowerGap)
    {
        public static Scaling Of(int ieeeExponent, bool zeroMantissa)
        {
            var q = ieeeExponent == 0 ? MinBinaryExponent : ieeeExponent - 150;
            var regular = !zeroMantissa || ieeeExponent <= 1;
            var k = regular ? FloorLog10Pow2(q) : FloorLog10ThreeQuartersPow2(q);
            return new Scaling(Pow10Scaled[-k - MinPow10], q + FloorLog2Pow10(-k) + 33, (short)k, (ushort)(regular ? 2 : 1));
        }
    }

    /// <summary>floor(log10(2^e)), exact for the exponents of floats and well beyond (the tests check -1000 to 1000).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int FloorLog10Pow2(int e) => (int)((e * 661_971_961_083L) >> 41);

    /// <summary>floor(log10(3/4 × 2^e)), exact for the exponents of floats and well beyond (the tests check -1000 to 1000).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int FloorLog10ThreeQuartersPow2(int e) => (int)((e * 661_971_961_083L - 274_743_187_321L) >> 41);

    /// <summary>floor(log2(10^e)), exact for the exponents of floats and well beyond (the tests check -300 to 300).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int FloorLog2Pow10(int e) => (int)((e * 913_124_641_741L) >> 38);
}
