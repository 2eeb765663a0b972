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
/// else (a string, null, a nested value, bad syntax), for the reader to report.
/// </summary>
public static class FloatArrayText
{
    /// <summary>Digits beyond these are left to the full parser (a ulong holds 19).</summary>
    private const int MaxGatheredDigits = 19;

    private const int MaxGatheredExponent = 1000;

    /// <summary>10^0 to 10^15 (each exact as a double, so exact here).</summary>
    private static readonly ulong[] PowersOfTen = [.. Enumerable.Range(0, 16).Select(n => (ulong)Math.Pow(10, n))];

    /// <summary>For a run of n digits: the byte shuffle that moves them to the end of 16 bytes, zeros (index 0x80) before them.</summary>
    private static readonly Vector128<byte>[] RightAligned = [.. Enumerable.Range(0, 16).Select(n =>
        Vector128.Create([.. Enumerable.Range(0, 16).Select(j => j < 16 - n ? (byte)0x80 : (byte)(j - (16 - n)))]))];

    private static readonly Vector128<sbyte> PairWeights = Vector128.Create((short)0x010A).AsSByte();
    private static readonly Vector128<short> FourWeights = Vector128.Create(0x0001_0064).AsInt16();
    private static readonly Vector128<short> EightWeights = Vector128.Create(0x0001_2710).AsInt16();

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

        var last = array.Length - 1;
        while (count < values.Length && TryParseNumber(ref text, last, ref i, out values[count]))
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
        if (Ssse3.IsSupported && i + 16 <= last)
        {
            var length = GatherUpToFifteen(ref Unsafe.Add(ref text, i), ref digits);
            if (length < 16)
            {
                // A ulong may have wrapped past 19 digits: then the number is no longer exact, and the digits are not used.
                gathered += length;
                i += length;
                return length;
            }
        }

        var start = i;
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
    /// The run of digits the sixteen bytes at <paramref name="text"/> start with, appended to <paramref name="digits"/> in
    /// one step when it has at most 15 of them (SIMD, after simdjson): the first non-digit found by a comparison's bit
    /// mask, the digits moved to the end of the vector (zeros before them) by one byte shuffle, then combined in pairs,
    /// fours and eights by multiply-adds.
    /// </summary>
    /// <returns>How many digits the run has; 16: a longer run, nothing taken.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int GatherUpToFifteen(ref byte text, ref ulong digits)
    {
        var values = Vector128.LoadUnsafe(ref text) - Vector128.Create((byte)'0');
        var nonDigits = Vector128.GreaterThan(values, Vector128.Create((byte)9)).ExtractMostSignificantBits();
        var length = BitOperations.TrailingZeroCount(nonDigits | 0x1_0000);
        if (length == 16)
        {
            return 16;
        }

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
}
