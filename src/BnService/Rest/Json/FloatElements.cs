using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BnService.Rest.Json;

/// <summary>
/// float32 values as the elements of a JSON array: each value's text (<see cref="FloatFormat"/>'s, byte for byte)
/// followed by a comma. With AVX-512, eight values at a time: <see cref="FloatFormat"/>'s Schubfach steps (the three
/// products by the power of ten from 32-bit partial products, the shorter or nearer digits chosen by lane masks) and
/// their nine digits in the lanes of one vector, then each text one byte shuffle by its sign and decimal point position.
/// A group with a zero, a non-finite value or a scientific text (rare in a tensor), the last few values of the run, and
/// processors without AVX-512 go value by value. In bench/BnService.JsonBench about 7.5-8.5 ns a value against 20 value
/// by value (a loaded machine's thread CPU time); checked against the runtime's text for every non-negative finite float.
/// </summary>
public static class FloatElements
{
    /// <summary>The longest element: the longest text and its comma.</summary>
    public const int MaxElementLength = FloatFormat.MaxLength + 1;

    /// <summary>
    /// The room <see cref="Write(ReadOnlySpan{float}, Span{byte}, out int)"/> needs past its last element to write another
    /// group (each element a 16-byte store, or the value-by-value scratch after the seventh).
    /// </summary>
    public const int GroupSpace = Lanes * 16 + FloatFormat.RequiredSpace;

    private const int Lanes = 8;

    /// <summary>Fixed layouts (by decimal point position and sign) for the bytes <c>d1 … d9 '0' '.' '-'</c>.</summary>
    private const int LayoutCount = 2 * (FloatFormat.MaxFixedScale - FloatFormat.MinFixedScale + 1);

    /// <summary>Whether this processor has what the eight-lane path takes.</summary>
    public static bool IsVectorized { get; } =
        Avx512F.IsSupported && Avx512BW.IsSupported && Avx512CD.IsSupported && Avx2.IsSupported && Ssse3.IsSupported && BitConverter.IsLittleEndian;

    /// <summary>
    /// <see cref="FloatFormat"/>'s scaled power of ten per <c>(biased exponent × 2) | zero mantissa</c>, pinned for the
    /// lanes' gathers.
    /// </summary>
    private static readonly ulong[] ScaledPowers = Pinned(FloatFormat.Scalings.Select(s => s.Pow10));

    /// <summary>The rest of each scaling, packed: the decimal exponent (signed, bits 0-7), 36 - shift (8-15), the lower gap (16-).</summary>
    private static readonly int[] PackedScalings = Pinned(FloatFormat.Scalings.Select(s => (s.Exponent10 & 0xFF) | ((36 - s.Shift) << 8) | (s.LowerGap << 16)));

    /// <summary>10^0 to 10^15, for lane permutes.</summary>
    private static readonly Vector512<ulong> Pow10Low = Vector512.Create(1UL, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000);
    private static readonly Vector512<ulong> Pow10High = Vector512.Create(100_000_000UL, 1_000_000_000, 10_000_000_000, 100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000);

    /// <summary>
    /// The byte shuffle of each fixed layout, positive then negative, by decimal point position: <see cref="FloatFormat"/>'s,
    /// and for a negative value a '-' first (byte 11 of the text) and the rest one place on.
    /// </summary>
    private static readonly Vector128<byte>[] SignedLayouts = [.. Enumerable.Range(0, LayoutCount).Select(i =>
    {
        var count = FloatFormat.MaxFixedScale - FloatFormat.MinFixedScale + 1;
        var layout = FloatFormat.FixedLayout(i % count + FloatFormat.MinFixedScale);
        return i < count ? layout : Signed(layout);
    })];

    /// <summary>
    /// Writes <paramref name="values"/> from the first, each text followed by a comma, while <paramref name="destination"/>
    /// has room (<see cref="GroupSpace"/> past the text for a group of eight, <see cref="FloatFormat.RequiredSpace"/> and
    /// one for a single value): the bytes past the text may be overwritten too.
    /// </summary>
    /// <param name="taken">How many values were written.</param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentException">NaN or an infinity (JSON has no such number).</exception>
    public static int Write(ReadOnlySpan<float> values, Span<byte> destination, out int taken) =>
        Write(values, destination, IsVectorized, out taken);

    /// <summary><see cref="Write(ReadOnlySpan{float}, Span{byte}, out int)"/>, eight lanes at a time or not (the tests run both).</summary>
    internal static int Write(ReadOnlySpan<float> values, Span<byte> destination, bool vectorized, out int taken)
    {
        ref var start = ref MemoryMarshal.GetReference(destination);
        ref var value = ref MemoryMarshal.GetReference(values);
        var length = 0;
        var i = 0;
        if (vectorized && IsVectorized)
        {
            for (; i <= values.Length - Lanes && length <= destination.Length - GroupSpace; i += Lanes)
            {
                length += WriteEight(ref Unsafe.Add(ref value, i), ref Unsafe.Add(ref start, length));
            }

            if (i <= values.Length - Lanes)
            {
                // Out of room for a group: the caller hands the text on and comes back for the rest.
                taken = i;
                return length;
            }
        }

        for (; i < values.Length && length <= destination.Length - FloatFormat.RequiredSpace - 1; i++)
        {
            length += WriteOne(Unsafe.Add(ref value, i), ref Unsafe.Add(ref start, length));
        }

        taken = i;
        return length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WriteOne(float value, ref byte destination)
    {
        var length = FloatFormat.FormatUnchecked(value, ref destination);
        Unsafe.Add(ref destination, length) = (byte)',';
        return length + 1;
    }

    /// <summary>Eight elements; room for <see cref="GroupSpace"/> bytes at <paramref name="destination"/>.</summary>
    [SkipLocalsInit]
    private static int WriteEight(ref float values, ref byte destination)
    {
        var bits = Vector256.LoadUnsafe(ref Unsafe.As<float, uint>(ref values));

        // A zero (no Schubfach digits) or a non-finite value (refused): value by value.
        var magnitude = bits & Vector256.Create(0x7FFF_FFFFu);
        if (Vector256.GreaterThanOrEqualAny(magnitude - Vector256<uint>.One, Vector256.Create(0x7F7F_FFFFu)))
        {
            return WriteEightOneByOne(ref values, ref destination);
        }

        var (digits, exponent) = ShortestDecimals(bits);

        // The digits padded to nine, as in FloatFormat.Layout: the decimal point position and the count of digits up to
        // the last that is not zero.
        var bitLength = Vector512.Create(64UL) - Avx512CD.LeadingZeroCount(digits);
        var guess = Times(bitLength, 1233) >> 12;
        var decimalLength = guess - Vector512.GreaterThanOrEqual(digits, Avx512F.PermuteVar8x64x2(Pow10Low, guess, Pow10High));
        var scale = exponent + decimalLength.AsInt64();
        if (Vector512.LessThanAny(scale, Vector512.Create((long)FloatFormat.MinFixedScale)) ||
            Vector512.GreaterThanAny(scale, Vector512.Create((long)FloatFormat.MaxFixedScale)))
        {
            return WriteEightOneByOne(ref values, ref destination);
        }

        var nine = Avx512F.Multiply(digits.AsUInt32(), Avx512F.PermuteVar8x64x2(Pow10Low, Vector512.Create(9UL) - decimalLength, Pow10High).AsUInt32());
        var eight = Times(nine, 0xCCCC_CCCD) >> 35;
        var last = nine - Times(eight, 10);
        var leading = EightDigits(eight);
        var digit9 = last + Vector512.Create((ulong)'0');
        var rest = (leading >> 8) | (digit9 << 56);
        var count = Vector512.Create(9UL) - (Avx512CD.LeadingZeroCount(rest ^ Vector512.Create(0x3030_3030_3030_3030UL)) >> 3);

        // The element's length: 0.000ddd, dd.ddd or ddd000, a '-' before, a comma after.
        var signed = (Avx512F.ConvertToVector512UInt64(bits) >> 31).AsInt64();
        var countAsLong = count.AsInt64();
        var textLength = Vector512.ConditionalSelect(
            Vector512.GreaterThan(countAsLong, scale),
            countAsLong + Vector512<long>.One + Vector512.Max(Vector512<long>.One - scale, Vector512<long>.Zero),
            scale);
        var sign = Avx512F.ConvertToVector256UInt32(signed);
        var elementLength = Avx512F.ConvertToVector256UInt32(textLength) + sign + Vector256<uint>.One;
        var layoutOffset = (Avx512F.ConvertToVector256UInt32(scale - Vector512.Create((long)FloatFormat.MinFixedScale)) + sign * (LayoutCount / 2)) << 4;

        // Each text's sixteen bytes (the digits, '0', '.', '-'), in value order, then the layouts' offsets and the lengths.
        var tail = digit9 | Vector512.Create((ulong)'0' << 8 | (ulong)'.' << 16 | (ulong)'-' << 24);
        Span<Vector512<ulong>> parts = stackalloc Vector512<ulong>[3];
        parts[0] = Avx512F.PermuteVar8x64x2(leading, Vector512.Create(0UL, 8, 1, 9, 2, 10, 3, 11), tail);
        parts[1] = Avx512F.PermuteVar8x64x2(leading, Vector512.Create(4UL, 12, 5, 13, 6, 14, 7, 15), tail);
        parts[2] = Vector512.Create(layoutOffset, elementLength).AsUInt64();
        ref var texts = ref Unsafe.As<Vector512<ulong>, Vector128<byte>>(ref MemoryMarshal.GetReference(parts));
        ref var lanes = ref Unsafe.As<Vector512<ulong>, uint>(ref parts[2]);
        ref var layouts = ref MemoryMarshal.GetArrayDataReference(SignedLayouts);
        nuint written = 0;
        written = Place(ref texts, ref lanes, ref layouts, ref destination, written, 0);
        written = Place(ref texts, ref lanes, ref layouts, ref destination, written, 1);
        written = Place(ref texts, ref lanes, ref layouts, ref destination, written, 2);
        written = Place(ref texts, ref lanes, ref layouts, ref destination, written, 3);
        written = Place(ref texts, ref lanes, ref layouts, ref destination, written, 4);
        written = Place(ref texts, ref lanes, ref layouts, ref destination, written, 5);
        written = Place(ref texts, ref lanes, ref layouts, ref destination, written, 6);
        written = Place(ref texts, ref lanes, ref layouts, ref destination, written, 7);
        return (int)written;
    }

    /// <summary>Lane <paramref name="v"/>'s element at <paramref name="written"/>: its text laid out, then its comma.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint Place(ref Vector128<byte> texts, ref uint lanes, ref Vector128<byte> layouts, ref byte destination, nuint written, nuint v)
    {
        ref var element = ref Unsafe.Add(ref destination, written);
        var layout = Unsafe.AddByteOffset(ref layouts, Unsafe.Add(ref lanes, v));
        Ssse3.Shuffle(Unsafe.Add(ref texts, v), layout).StoreUnsafe(ref element);
        nuint length = Unsafe.Add(ref lanes, Lanes + (int)v);
        Unsafe.Add(ref element, length - 1) = (byte)',';
        return written + length;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int WriteEightOneByOne(ref float values, ref byte destination)
    {
        var written = 0;
        for (var v = 0; v < Lanes; v++)
        {
            written += WriteOne(Unsafe.Add(ref values, v), ref Unsafe.Add(ref destination, written));
        }

        return written;
    }

    /// <summary>
    /// <see cref="FloatFormat"/>'s shortest decimal of eight finite non-zero floats (given by their bits), lane by lane:
    /// the same steps, each product of the 63-bit power of ten g by a 26-bit x (times 2^h) from two 32-bit partial
    /// products.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe (Vector512<ulong> Digits, Vector512<long> Exponent) ShortestDecimals(Vector256<uint> bits)
    {
        var ieeeMantissa = bits & Vector256.Create((1u << 23) - 1);
        var ieeeExponent = (bits >> 23) & Vector256.Create(0xFFu);
        var index = ((ieeeExponent << 1) - Vector256.Equals(ieeeMantissa, Vector256<uint>.Zero)).AsInt32();
        var c = ieeeMantissa | (~Vector256.Equals(ieeeExponent, Vector256<uint>.Zero) & Vector256.Create(1u << 23));

        var powers = (ulong*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(ScaledPowers));
        var packed = Avx2.GatherVector256((int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(PackedScalings)), index, 4);
        var g = Vector512.Create(Avx2.GatherVector256(powers, index.GetLower(), 8), Avx2.GatherVector256(powers, index.GetUpper(), 8));
        var k = Avx512F.ConvertToVector512Int64((packed << 24) >> 24);
        var shift = Avx512F.ConvertToVector512UInt64((packed.AsUInt32() >> 8) & Vector256.Create(0xFFu));
        var lowerGap = Avx512F.ConvertToVector512UInt64(packed.AsUInt32() >> 16);

        var c64 = Avx512F.ConvertToVector512UInt64(c);
        var outside = c64 & Vector512<ulong>.One;
        var cb = c64 << 2;
        var g1 = g >> 32;
        var vb = RoundToOdd(g, g1, cb, shift);
        var vbl = RoundToOdd(g, g1, cb - lowerGap, shift) + outside;
        var vbr = RoundToOdd(g, g1, cb + Vector512.Create(2UL), shift) - outside;

        // The choice of FloatFormat.ShortestDecimal, with lane masks (all ones for true) for its bits.
        var s = vb >> 2;
        var tens = Times(s, 0xCCCC_CCCD) >> 35;
        var lowerTen = Vector512.LessThanOrEqual(vbl, Times(tens, 40));
        var upperTen = Vector512.LessThanOrEqual(Times(tens, 40) + Vector512.Create(40UL), vbr);
        var shorter = tens + Vector512<ulong>.One + lowerTen;
        var below = Vector512.LessThanOrEqual(vbl, s << 2);
        var above = Vector512.LessThanOrEqual((s << 2) + Vector512.Create(4UL), vbr);
        var closerAbove = Vector512.GreaterThan((vb & Vector512.Create(3UL)) + (s & Vector512<ulong>.One), Vector512.Create(2UL));
        var longer = s - (~below | (above & closerAbove));
        var useShorter = lowerTen ^ upperTen;
        return (Vector512.ConditionalSelect(useShorter, shorter, longer), k - useShorter.AsInt64());
    }

    /// <summary>
    /// <see cref="FloatFormat"/>'s RoundToOdd(g, x × 2^h) in each lane, for x below 2^32 and h from 33 to 36: the
    /// product's top bits as (g1·x + (g0·x » 32)) « 4 plus the next 4 bits of g0·x (the product » 28), shifted right by
    /// 36 - h.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> RoundToOdd(Vector512<ulong> g, Vector512<ulong> g1, Vector512<ulong> x, Vector512<ulong> shift)
    {
        var low = Avx512F.Multiply(g.AsUInt32(), x.AsUInt32());
        var top = Avx512F.Multiply(g1.AsUInt32(), x.AsUInt32()) + (low >> 32);
        var high = Avx512F.ShiftRightLogicalVariable((top << 4) | ((low >> 28) & Vector512.Create(0xFUL)), shift);
        return (high >> 31) | (((high & Vector512.Create(0xFFFF_FFFFUL)) + Vector512.Create(0xFFFF_FFFFUL)) >> 32);
    }

    /// <summary><see cref="FloatFormat"/>'s EightDigits in each lane: halves, quarters and single digits in 32- and 16-bit lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> EightDigits(Vector512<ulong> value)
    {
        var high = Times(value, 3_518_437_209) >> 45;
        var halves = (high | ((value - Times(high, 10_000)) << 32)).AsUInt32();
        var hundreds = ((halves * 10_486) >> 20) & Vector512.Create(0x7Fu);
        var quarters = (hundreds | ((halves - hundreds * 100) << 16)).AsUInt16();
        var tens = ((quarters * (ushort)103) >> 10) & Vector512.Create((ushort)0xF);
        return (tens | ((quarters - tens * (ushort)10) << 8)).AsUInt64() | Vector512.Create(0x3030_3030_3030_3030UL);
    }

    /// <summary>x × factor in each lane, for x below 2^32 (one 32-bit multiply; a 64-bit one takes several steps).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Times(Vector512<ulong> x, uint factor) =>
        Avx512F.Multiply(x.AsUInt32(), Vector512.Create((ulong)factor).AsUInt32());

    /// <summary>A layout for a negative value: '-' (byte 11 of the text) first, then the positive layout.</summary>
    private static Vector128<byte> Signed(Vector128<byte> layout)
    {
        var bytes = new byte[16];
        bytes[0] = 11;
        for (var j = 1; j < 16; j++)
        {
            bytes[j] = layout.GetElement(j - 1);
        }

        return Vector128.Create(bytes);
    }

    private static T[] Pinned<T>(IEnumerable<T> items)
    {
        var source = items.ToArray();
        var pinned = GC.AllocateArray<T>(source.Length, pinned: true);
        source.CopyTo(pinned, 0);
        return pinned;
    }
}
