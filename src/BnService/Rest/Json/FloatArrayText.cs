using System.Buffers.Binary;
using System.Buffers.Text;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BnService.Rest.Json;

/// <summary>
/// A JSON array of numbers parsed straight from UTF-8 into float32s: the JSON number grammar checked and the digits
/// gathered in one pass (token by token, the reader's own scan costs more than the conversion). Each value is exactly
/// the one the reader gives (<see cref="FloatText.TryCompose"/>, else the reader's own parser). Declines at anything
/// else (a string, null, a nested value, bad syntax), for the reader to report. With AVX-512 the common numbers go
/// through the run path (<see cref="TryParseRun{TSeparators}"/>): about 8 ns a value in bench/BnService.JsonBench against
/// 9.5-10 value by value (a loaded machine's thread CPU time); with a space after each comma (Python's json.dumps) about
/// 10 ns against 16 before the run path took that form too.
/// </summary>
public static class FloatArrayText
{
    /// <summary>Digits beyond these are left to the full parser (a ulong holds 19).</summary>
    private const int MaxGatheredDigits = 19;

    private const int MaxGatheredExponent = 1000;

    /// <summary>Whether this processor has what the run path takes (64-byte compares, byte shuffles).</summary>
    public static bool IsVectorized { get; } = Avx512BW.IsSupported && Ssse3.IsSupported && BitConverter.IsLittleEndian;

    /// <summary>10^0 to 10^16 (each exact as a double, so exact here).</summary>
    private static readonly ulong[] PowersOfTen = [.. Enumerable.Range(0, 17).Select(n => (ulong)Math.Pow(10, n))];

    /// <summary>For a run of n digits (0 to 16): the byte shuffle that moves them to the end of 16 bytes, zeros (index 0x80) before them.</summary>
    private static readonly Vector128<byte>[] RightAligned = [.. Enumerable.Range(0, 17).Select(n =>
        Vector128.Create([.. Enumerable.Range(0, 16).Select(j => j < 16 - n ? (byte)0x80 : (byte)(j - (16 - n)))]))];

    /// <summary>10^0 to 10^15 as doubles (each exact), for the digits after a point.</summary>
    private static readonly double[] FractionScales = [.. Enumerable.Range(0, 16).Select(n => Math.Pow(10, n))];

    /// <summary>
    /// The byte shuffle of <see cref="TryReadCommonNumber"/> by <c>sign × 256 + point × 16 + length</c>: the bytes before the
    /// point moved one place on over it (the sign's place and all before it zeroed), then all moved to the vector's end.
    /// Index j takes byte t = j - (16 - e) of the moved bytes (e: the digits' end after the move), which is byte t - 1
    /// up to the point and t after it, none (high bit) at or before the sign's place.
    /// </summary>
    private static readonly Vector128<byte>[] DelimitedLayouts = [.. Enumerable.Range(0, 2 * 16 * 16).Select(key =>
    {
        var (start, point, length) = (key >> 8, (key >> 4) & 15, key & 15);
        var digitsEnd = length + (point == length ? 1 : 0);
        return Vector128.Create([.. Enumerable.Range(0, 16).Select(j =>
        {
            var t = j + digitsEnd - 16;
            return t <= start ? (byte)0x80 : (byte)(t <= point ? t - 1 : t);
        })]);
    })];

    private static readonly Vector128<sbyte> PairWeights = Vector128.Create((short)0x010A).AsSByte();
    private static readonly Vector128<short> FourWeights = Vector128.Create(0x0001_0064).AsInt16();
    private static readonly Vector128<short> EightWeights = Vector128.Create(0x0001_2710).AsInt16();

    /// <summary>
    /// Parses <paramref name="array"/>: the text from an array's <c>[</c> to the first <c>]</c> after it, which a flat
    /// array of numbers ends at.
    /// </summary>
    /// <returns>False: not a well-formed array of numbers that fits in <paramref name="values"/>; nothing may be assumed of the outputs.</returns>
    public static bool TryParse(ReadOnlySpan<byte> array, Span<float> values, out int count) =>
        TryParse(array, values, IsVectorized, out count);

    /// <summary><see cref="TryParse(ReadOnlySpan{byte}, Span{float}, out int)"/>, with the run path or without (the tests run both).</summary>
    internal static bool TryParse(ReadOnlySpan<byte> array, Span<float> values, bool vectorized, out int count)
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

        var run = vectorized && IsVectorized;

        // Python's json.dumps writes ", " between values by default, System.Text.Json and most others ",": the first
        // separator tells which run path to take (either reads the other's text, the compact one a number at a time).
        var firstComma = array.IndexOf((byte)',');
        var spaced = firstComma > 0 && array[firstComma + 1] == ' ';
        var last = array.Length - 1;
        while (true)
        {
            if (run)
            {
                if (spaced
                    ? TryParseRun<SpacedSeparators>(ref text, array.Length, values, ref i, ref count)
                    : TryParseRun<CompactSeparators>(ref text, array.Length, values, ref i, ref count))
                {
                    return true;
                }

                i = SkipWhitespace(ref text, i);
            }

            // One number value by value (an uncommon one, or the last ones), then the run again.
            if (count >= values.Length || !TryParseNumber(ref text, last, ref i, out values[count]))
            {
                return false;
            }

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
    }

    /// <summary>
    /// The numbers from <paramref name="i"/> on, each found by the delimiter after it (the ',' and ']' of 64 bytes at a time
    /// as one bit mask), so that no number waits for the one before it to be read; each is the common number
    /// <see cref="TryReadCommonNumber"/> reads, with a ',' or ']' right after it (and, for <see cref="SpacedSeparators"/>,
    /// one space or none after the ','), checked with its block or alone.
    /// </summary>
    /// <typeparam name="TSeparators">
    /// What follows a ',': compiled apart for each, because the spaces' masks slow compact text by about 1 ns a value
    /// (bench/BnService.JsonBench, parse).
    /// </typeparam>
    /// <returns>True: the array's ']' reached, every number read. False: stopped at <paramref name="i"/>, the start of a
    /// number (or the space before it) that the value-by-value path reads from there (or reports).</returns>
    private static bool TryParseRun<TSeparators>(ref byte text, int length, Span<float> values, ref nint i, ref int count)
        where TSeparators : struct, ISeparators
    {
        ref var value = ref MemoryMarshal.GetReference(values);
        var capacity = values.Length;
        var n = count;
        var start = i;
        for (var block = start; block + 64 <= length; block += 64)
        {
            var bytes = Vector512.LoadUnsafe(ref Unsafe.Add(ref text, block));
            var commas = Vector512.Equals(bytes, Vector512.Create((byte)',')).ExtractMostSignificantBits();
            var delimiters = commas | Vector512.Equals(bytes, Vector512.Create((byte)']')).ExtractMostSignificantBits();
            var gaps = TSeparators.SpaceAfterComma ? Vector512.Equals(bytes, Vector512.Create((byte)' ')).ExtractMostSignificantBits() & (commas << 1) : 0;
            var checkedBlock = IsWellFormedBlock(bytes, delimiters, gaps);

            // Where each number after a delimiter starts: right after it, or after its gap. A start past the block
            // (a delimiter or gap last in it) is the next block's first byte: the empty mask's count of 64.
            var starts = ((delimiters | gaps) << 1) & ~gaps;
            while (delimiters != 0)
            {
                var end = block + BitOperations.TrailingZeroCount(delimiters);
                delimiters &= delimiters - 1;
                ref var number = ref Unsafe.Add(ref text, start);
                var numberLength = (int)(end - start);
                if (n == capacity || start + 16 > length ||
                    (numberLength > 15
                        ? !TryParseLongNumber(ref text, length, start, end, out Unsafe.Add(ref value, n))
                        : (!(checkedBlock && start > block) && !IsCommonNumber(ref number, numberLength)) ||
                            !TryReadCommonNumber(ref number, numberLength, out Unsafe.Add(ref value, n))))
                {
                    (i, count) = (start, n);
                    return false;
                }

                n++;
                if (Unsafe.Add(ref text, end) == ']')
                {
                    count = n;
                    return true;
                }

                if (TSeparators.SpaceAfterComma)
                {
                    start = block + BitOperations.TrailingZeroCount(starts);
                    starts &= starts - 1;
                }
                else
                {
                    start = end + 1;
                }
            }
        }

        (i, count) = (start, n);
        return false;
    }

    /// <summary>
    /// Whether every number of a 64-byte block that starts after its first byte and ends inside it is well formed but
    /// for its count of points (which <see cref="TryReadCommonNumber"/> checks), as <see cref="IsCommonNumber"/> checks
    /// one number, here for all at once by bit masks: only digits, points, signs and delimiters; a sign only first, a
    /// digit or sign after a delimiter or gap, a digit after a sign or point, before a point or delimiter; a leading zero
    /// not before a digit. Relations with the bytes before and after the block are left out (its first and last numbers
    /// are checked one by one); false may also mean only that.
    /// </summary>
    /// <param name="bytes">The block.</param>
    /// <param name="delimiters">Its ',' and ']'.</param>
    /// <param name="gaps">Its spaces right after a ',' (a space anywhere else is a fault).</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsWellFormedBlock(Vector512<byte> bytes, ulong delimiters, ulong gaps)
    {
        var digits = Vector512.LessThanOrEqual(bytes - Vector512.Create((byte)'0'), Vector512.Create((byte)9)).ExtractMostSignificantBits();
        var points = Vector512.Equals(bytes, Vector512.Create((byte)'.')).ExtractMostSignificantBits();
        var signs = Vector512.Equals(bytes, Vector512.Create((byte)'-')).ExtractMostSignificantBits();
        var zeros = Vector512.Equals(bytes, Vector512.Create((byte)'0')).ExtractMostSignificantBits();
        var starts = ((delimiters | gaps) << 1) & ~gaps;
        var firstDigits = (starts & ~signs) | (signs << 1);
        var afterFirst = ~1UL;
        var faults = ~(digits | points | signs | delimiters | gaps) |
            (signs & ~starts & afterFirst) |
            (starts & ~(digits | signs)) |
            (((signs | points) << 1) & ~digits) |
            ((delimiters | points) & ~(digits << 1) & afterFirst) |
            (((zeros & firstDigits) << 1) & digits);
        return faults == 0;
    }

    /// <summary>
    /// Whether the number at <paramref name="number"/> is the common one, <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?</c>, but for
    /// its count of points (which <see cref="TryReadCommonNumber"/> checks): by bit masks of its sixteen bytes.
    /// </summary>
    /// <param name="number">The number's first byte, with 16 bytes readable.</param>
    /// <param name="length">The number's length, up to 15: its delimiter's position.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsCommonNumber(ref byte number, int length)
    {
        var bytes = Vector128.LoadUnsafe(ref number);
        var digitMask = Vector128.LessThanOrEqual(bytes - Vector128.Create((byte)'0'), Vector128.Create((byte)9)).ExtractMostSignificantBits();
        var pointMask = Vector128.Equals(bytes, Vector128.Create((byte)'.')).ExtractMostSignificantBits();
        var zeroMask = Vector128.Equals(bytes, Vector128.Create((byte)'0')).ExtractMostSignificantBits();
        var start = (uint)Unsafe.BitCast<bool, byte>(number == '-');

        // Only digits and points after the sign; a digit first and last (so a point has digits either side, when it is
        // the only one); a leading zero only before the point or alone.
        var end = 1u << length;
        var within = end - 1;
        var first = start + 1;
        var faults = (~(digitMask | pointMask | start) & within) | (~digitMask & (first | (end >> 1))) |
            (zeroMask & (digitMask >> 1) & first);
        return faults == 0;
    }

    /// <summary>
    /// The common number (<see cref="IsCommonNumber"/>) with at most one point, read from the sixteen bytes at
    /// <paramref name="number"/> at once (SIMD: no branch on the data's signs and lengths): its digits gathered at the
    /// vector's end by one byte shuffle (the point dropped), combined by multiply-adds, then one exact division.
    /// </summary>
    /// <param name="number">The number's first byte, with 16 bytes readable.</param>
    /// <param name="length">The number's length, up to 15: its delimiter's position.</param>
    /// <param name="value">The number.</param>
    /// <returns>False: more than one point, or a value that <see cref="TryParseNumber"/> must read (or report).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryReadCommonNumber(ref byte number, int length, out float value)
    {
        var bytes = Vector128.LoadUnsafe(ref number);
        var digits = bytes - Vector128.Create((byte)'0');
        var end = 1u << length;
        var points = Vector128.Equals(bytes, Vector128.Create((byte)'.')).ExtractMostSignificantBits() & (end - 1);
        var start = (uint)Unsafe.BitCast<bool, byte>(number == '-');

        // The digits moved to the vector's end, the point dropped: one byte shuffle by sign, point and length (no
        // point: as if one stood in the delimiter's place).
        var point = BitOperations.TrailingZeroCount(points | end);
        var digitsEnd = length + (points == 0 ? 1 : 0);
        var layout = Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(DelimitedLayouts), (int)((start << 8) | ((uint)point << 4) | (uint)length));
        var aligned = Ssse3.Shuffle(digits, layout);
        var pairs = Ssse3.MultiplyAddAdjacent(aligned, PairWeights);
        var fours = Sse2.MultiplyAddAdjacent(pairs, FourWeights);
        var eights = Sse2.MultiplyAddAdjacent(Sse2.PackSignedSaturate(fours, fours), EightWeights);
        var gathered = (long)(uint)eights.ToScalar() * 100_000_000 + (uint)eights.GetElement(1);

        // At most 15 digits (below 2^53) and 14 after the point: FloatText.TryCompose's exact division, declined (as
        // there) for a double exactly halfway between two floats.
        var exact = gathered / Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(FractionScales), digitsEnd - 1 - point);
        var exactBits = BitConverter.DoubleToUInt64Bits(exact);
        value = BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits((float)exact) | (start << 31));
        return ((points & (points - 1)) == 0) & ((exactBits & 0x1FFF_FFFF) != 0x1000_0000);
    }

    /// <summary>
    /// A number of the run longer than <see cref="TryReadCommonNumber"/> reads (a double's 17 significant digits, as
    /// Python's json.dumps and JavaScript's JSON.stringify write a float32's double): read value by value, without
    /// leaving the run. False: not a number that ends at its delimiter.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool TryParseLongNumber(ref byte text, int length, nint start, nint end, out float value)
    {
        var i = start;
        return TryParseNumber(ref text, length - 1, ref i, out value) && i == end;
    }

    /// <summary>One number, <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>, <paramref name="i"/> left just after it.</summary>
    /// <param name="text">The array's text.</param>
    /// <param name="last">The index of its closing ']'.</param>
    /// <param name="i">The index of the number's first byte.</param>
    /// <param name="value">The number.</param>
    private static bool TryParseNumber(ref byte text, nint last, ref nint i, out float value)
    {
        value = 0;
        var start = i;
        // Branch-free where the data decides (a tensor's signs and leading digits are random): a mispredicted branch
        // costs as much as gathering eight digits.
        var negative = Unsafe.Add(ref text, i) == '-';
        i += negative ? 1 : 0;
        var leadingZero = Unsafe.Add(ref text, i) == '0';

        // Leading zeros of a fraction are gathered too (they add nothing); a number longer than a ulong holds is left
        // to the full parser.
        ulong digits = 0;
        var gathered = 0;
        var whole = 0;
        for (var d = Unsafe.Add(ref text, i); IsDigit(d); d = Unsafe.Add(ref text, ++i))
        {
            // Usually a single digit: one by one (eight bytes at a time would only lengthen the chain to the fraction).
            Gather(ref digits, ref gathered, d);
            whole++;
        }

        if ((whole == 0) | (leadingZero & (whole > 1)))
        {
            return false;
        }

        var power = 0;
        var c = Unsafe.Add(ref text, i);
        if (c == '.')
        {
            i++;
            power = -GatherRun(ref text, last, ref i, ref digits, ref gathered);
            if (power == 0)
            {
                return false;
            }

            c = Unsafe.Add(ref text, i);
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

    /// <summary>
    /// The run of digits at <paramref name="i"/>: sixteen bytes at once where there is room (a fraction's length is as
    /// random as the data: no branch on it), else eight at a time, then one by one.
    /// </summary>
    /// <returns>How many digits the run has.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int GatherRun(ref byte text, nint last, ref nint i, ref ulong digits, ref int gathered)
    {
        var start = i;
        if (Ssse3.IsSupported && i + 16 <= last)
        {
            // A ulong may wrap past 19 digits: then the number is no longer exact, and the digits are not used. Past
            // 16 digits (a double's 17th), the few left go one by one below: sooner than another 16 at once.
            var taken = GatherUpToSixteen(ref Unsafe.Add(ref text, i), ref digits);
            gathered += taken;
            i += taken;
            if (taken < 16)
            {
                return taken;
            }
        }

        while (i + 8 <= last && gathered <= MaxGatheredDigits - 8)
        {
            var taken = GatherUpToEight(ref Unsafe.Add(ref text, i), ref digits);
            gathered += taken;
            i += taken;
            if (taken < 8)
            {
                return (int)(i - start);
            }
        }

        for (var c = Unsafe.Add(ref text, i); IsDigit(c); c = Unsafe.Add(ref text, ++i))
        {
            Gather(ref digits, ref gathered, c);
        }

        return (int)(i - start);
    }

    /// <summary>
    /// The run of digits the eight bytes at <paramref name="text"/> start with (0 to 8 of them), appended to
    /// <paramref name="digits"/> in one step (SWAR, after fast_float): the first non-digit byte found by its flag bit,
    /// the digits shifted to the top of the word (zeros before them), then combined in pairs, fours and eights by
    /// multiplications in the lanes of one 64-bit value.
    /// </summary>
    /// <returns>How many digits were taken.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int GatherUpToEight(ref byte text, ref ulong digits)
    {
        var chunk = Unsafe.ReadUnaligned<ulong>(ref text);
        if (!BitConverter.IsLittleEndian)
        {
            chunk = BinaryPrimitives.ReverseEndianness(chunk);
        }

        // A byte's top bit: above '9' (the addition) or below '0' (the subtraction; a borrow only reaches later bytes).
        var nonDigits = ((chunk + 0x4646_4646_4646_4646) | (chunk - 0x3030_3030_3030_3030)) & 0x8080_8080_8080_8080;
        var count = nonDigits == 0 ? 8 : BitOperations.TrailingZeroCount(nonDigits) >> 3;
        if (count == 0)
        {
            return 0;
        }

        var value = (chunk - 0x3030_3030_3030_3030) << (8 * (8 - count));
        value = value * 10 + (value >> 8);
        value = (((value & 0x0000_00FF_0000_00FF) * 0x000F_4240_0000_0064) + (((value >> 16) & 0x0000_00FF_0000_00FF) * 0x0000_2710_0000_0001)) >> 32;
        digits = digits * PowersOfTen[count] + (uint)value;
        return count;
    }

    /// <summary>
    /// The run of digits the sixteen bytes at <paramref name="text"/> start with (0 to 16 of them), appended to
    /// <paramref name="digits"/> in one step (SIMD, after simdjson): the first non-digit found by a comparison's bit mask,
    /// the digits moved to the end of the vector (zeros before them) by one byte shuffle, then combined in pairs, fours and
    /// eights by multiply-adds. Past 16, <see cref="GatherRun"/> takes the rest one by one.
    /// </summary>
    /// <returns>How many digits were taken; 16: more may follow.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int GatherUpToSixteen(ref byte text, ref ulong digits)
    {
        var values = Vector128.LoadUnsafe(ref text) - Vector128.Create((byte)'0');
        var nonDigits = Vector128.GreaterThan(values, Vector128.Create((byte)9)).ExtractMostSignificantBits();
        var length = BitOperations.TrailingZeroCount(nonDigits | 0x1_0000);
        var aligned = Ssse3.Shuffle(values, Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(RightAligned), length));
        var pairs = Ssse3.MultiplyAddAdjacent(aligned, PairWeights);
        var fours = Sse2.MultiplyAddAdjacent(pairs, FourWeights);
        var eights = Sse2.MultiplyAddAdjacent(Sse2.PackSignedSaturate(fours, fours), EightWeights);
        var run = (ulong)(uint)eights.ToScalar() * 100_000_000 + (uint)eights.GetElement(1);
        digits = digits * Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(PowersOfTen), length) + run;
        return length;
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

    /// <summary>What may follow a ',' in the run path, as a type so that each kind is compiled apart.</summary>
    private interface ISeparators
    {
        static abstract bool SpaceAfterComma { get; }
    }

    /// <summary>A number right after each ','.</summary>
    private readonly struct CompactSeparators : ISeparators
    {
        public static bool SpaceAfterComma => false;
    }

    /// <summary>One space after a ',', or none.</summary>
    private readonly struct SpacedSeparators : ISeparators
    {
        public static bool SpaceAfterComma => true;
    }
}
