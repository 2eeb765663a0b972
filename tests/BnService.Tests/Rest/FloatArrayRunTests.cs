using System.Globalization;
using System.Text;
using System.Text.Json;
using BnService.Rest.Json;

namespace BnService.Tests.Rest;

/// <summary>
/// A data array parsed with the run path (numbers found by their delimiters 64 bytes at a time, each read from 16 bytes
/// at once, where the processor has AVX-512) or value by value gives the reader's floats bit for bit: numbers of every
/// shape and length around the run path's limits, uncommon ones (exponents, spaces, long digits) at every position, with
/// compact separators and with a space after each comma, and the same refusals for bad syntax and too many values.
/// </summary>
public sealed class FloatArrayRunTests
{
    public static TheoryData<bool> Paths => [true, false];

    /// <summary>Both paths, with the compact separator and with Python's json.dumps default (", ").</summary>
    public static TheoryData<bool, string> PathsAndSeparators => new()
    {
        { true, "," },
        { true, ", " },
        { false, "," },
        { false, ", " },
    };

    [Theory]
    [MemberData(nameof(PathsAndSeparators))]
    public void RandomFormsAreTheReadersBitForBit(bool vectorized, string separator)
    {
        var random = new Random(41);
        var numbers = new List<string>();
        for (var i = 0; i < 20_000; i++)
        {
            numbers.AddRange(FloatForms.Next(random));
        }

        AssertSameAsReader("[" + string.Join(separator, numbers) + "]", vectorized);
    }

    [Theory]
    [MemberData(nameof(PathsAndSeparators))]
    public void FloatsWrittenAsTheirDoublesAreTheReadersBitForBit(bool vectorized, string separator)
    {
        // A float32 array's tolist() in Python, or its values in JavaScript: each float's double, shortest (up to 17
        // significant digits, longer than the run reads at once), in every binade a batch's values take.
        var random = new Random(53);
        var numbers = Enumerable.Range(0, 20_000).Select(_ =>
        {
            var value = (float)((random.NextDouble() * 2 - 1) * Math.Pow(10, random.Next(-8, 9)));
            return ((double)value).ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);
        });
        AssertSameAsReader("[" + string.Join(separator, numbers) + "]", vectorized);
    }

    [Theory]
    [MemberData(nameof(PathsAndSeparators))]
    public void NumbersOfEveryShapeAreTheReadersBitForBit(bool vectorized, string separator)
    {
        // A sign or none, 0 or 1 to 9 whole digits, no point or 1 to 16 digits after it: lengths on both sides of the
        // run path's 15 bytes, leading zeros after the point, and a trailing zero.
        var random = new Random(17);
        var numbers = new List<string>();
        for (var sign = 0; sign < 2; sign++)
        {
            for (var whole = 0; whole <= 9; whole++)
            {
                for (var fraction = 0; fraction <= 16; fraction++)
                {
                    for (var k = 0; k < 12; k++)
                    {
                        var text = new StringBuilder(sign == 1 ? "-" : "");
                        text.Append(whole == 0 ? "0" : random.Next(1, 10).ToString(CultureInfo.InvariantCulture));
                        for (var d = 1; d < whole; d++)
                        {
                            text.Append((char)('0' + random.Next(10)));
                        }

                        if (fraction > 0)
                        {
                            text.Append('.');
                            for (var d = 0; d < fraction; d++)
                            {
                                text.Append((char)('0' + (k % 3 == 0 && d < 3 ? 0 : random.Next(10))));
                            }
                        }

                        numbers.Add(text.ToString());
                    }
                }
            }
        }

        // Shuffled, so that every shape meets every position within a 64-byte block.
        var shuffled = numbers.OrderBy(_ => random.Next()).ToArray();
        AssertSameAsReader("[" + string.Join(separator, shuffled) + "]", vectorized);
    }

    [Theory]
    [MemberData(nameof(PathsAndSeparators))]
    public void UncommonNumbersAtEveryPositionAreTheReadersBitForBit(bool vectorized, string separator)
    {
        var random = new Random(29);
        string[] uncommon =
        [
            "1.2345678E-05", "-3e+38", "1E9", " 0.5", "0.5 ", "\n-1.25", "0.30000000000000004", "1234567890123456789012",
            "-0", "0", "7", "-0.0000000000000001", "12345678901234.5", "123456789012345", "1234567890123456", "1e-45",
            "0.1234567890123", "-0.123456789012", "9007199254740993", "0.000000000000001",
        ];
        foreach (var number in uncommon)
        {
            for (var count = 1; count <= 20; count++)
            {
                for (var position = 0; position < count; position++)
                {
                    var numbers = Enumerable.Range(0, count).Select(_ => ((float)(random.NextDouble() * 4 - 2)).ToString("R", CultureInfo.InvariantCulture)).ToArray();
                    numbers[position] = number;
                    AssertSameAsReader("[" + string.Join(separator, numbers) + "]", vectorized);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(PathsAndSeparators))]
    public void ArraysOfEveryLengthAreTheReadersBitForBit(bool vectorized, string separator)
    {
        // Short arrays (no whole 64-byte block), and the last values after the last block.
        var random = new Random(37);
        for (var count = 0; count <= 40; count++)
        {
            var numbers = Enumerable.Range(0, count).Select(_ => ((float)(random.NextDouble() * 4 - 2)).ToString("R", CultureInfo.InvariantCulture));
            AssertSameAsReader("[" + string.Join(separator, numbers) + "]", vectorized);
        }
    }

    [Theory]
    [MemberData(nameof(PathsAndSeparators))]
    public void BadSyntaxAnywhereIsDeclined(bool vectorized, string separator)
    {
        // At every position among ten-byte numbers: first in a 64-byte block, inside one (checked with the block), across two;
        // short ones and ones longer than the run reads at once.
        string[] bad =
        [
            "01", "-01", "00.5", "1.", ".5", "-", "--1", "1-2", "1.2.3", "+1", "1e", "1e+", "", " ", "1 2", "0x1", "1..2",
            "\"1\"", "null", "[1]", "-.5", "1.5-", "0-", "5.-1", "１",
            "0.10000000149011612.5", "1.0000000149011612e", "-00.10000000149011612", "0.10000000149011612-1", "1.00000001490116120x",
        ];
        var random = new Random(43);
        foreach (var number in bad)
        {
            for (var position = 0; position < 24; position++)
            {
                var numbers = Enumerable.Range(0, 24).Select(_ => ((float)(random.NextDouble() * 4 - 2)).ToString("R", CultureInfo.InvariantCulture)).ToArray();
                numbers[position] = number;
                var json = Encoding.UTF8.GetBytes("[" + string.Join(separator, numbers) + "]");
                Assert.False(FloatArrayText.TryParse(json, new float[32], vectorized, out _), number);
            }
        }
    }

    [Theory]
    [MemberData(nameof(PathsAndSeparators))]
    public void MixedWhitespaceAroundCommasIsTheReadersBitForBit(bool vectorized, string first)
    {
        // The first separator chooses the run path (compact or spaced); a space after a comma is the spaced one's own
        // case, and every other placement (two spaces, a space before the comma, a newline or tab) is read value by
        // value. Mixed at random after the first, so that each meets every place in a 64-byte block.
        string[] separators = [",", ", ", ", ", ", ", ",  ", " ,", " , ", ",\n", ",\t", ",\r\n  "];
        var random = new Random(47);
        var text = new StringBuilder("[");
        for (var i = 0; i < 30_000; i++)
        {
            text.Append(i switch { 0 => "", 1 => first, _ => separators[random.Next(separators.Length)] });
            text.Append(((float)(random.NextDouble() * 4 - 2)).ToString("R", CultureInfo.InvariantCulture));
        }

        AssertSameAsReader(text.Append(']').ToString(), vectorized);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void MoreValuesThanRoomAreDeclined(bool vectorized)
    {
        var json = Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Range(0, 100).Select(i => (i * 0.37f).ToString("R", CultureInfo.InvariantCulture))) + "]");
        Assert.False(FloatArrayText.TryParse(json, new float[99], vectorized, out _));
        Assert.True(FloatArrayText.TryParse(json, new float[100], vectorized, out var count));
        Assert.Equal(100, count);
    }

    [Theory]
    [MemberData(nameof(PathsAndSeparators))]
    public unsafe void AnArrayEndingAtTheLastReadableByteIsReadWithinIt(bool vectorized, string separator)
    {
        // Each array ends exactly where a page that may not be read begins: a read past its ']' stops the process.
        Assert.True(OperatingSystem.IsLinux(), "this check maps pages with mmap");
        const int Page = 4096;
        var memory = Mmap(0, 2 * Page, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        Assert.NotEqual(-1, (long)memory);
        try
        {
            Assert.Equal(0, Mprotect(memory + Page, Page, ProtNone));
            var random = new Random(11);
            for (var length = 1; length <= 300; length++)
            {
                var numbers = Enumerable.Range(0, length).Select(_ => (random.NextSingle() * 20 - 10).ToString("R", CultureInfo.InvariantCulture));
                var json = Encoding.ASCII.GetBytes("[" + string.Join(separator, numbers) + "]");
                var text = new Span<byte>((byte*)memory + Page - json.Length, json.Length);
                json.CopyTo(text);
                var values = new float[length];
                Assert.True(FloatArrayText.TryParse(text, values, vectorized, out var count));
                Assert.Equal(JsonFloatArrayReadTests.ReadByTokens(json).Select(BitConverter.SingleToUInt32Bits), values.Take(count).Select(BitConverter.SingleToUInt32Bits));
            }
        }
        finally
        {
            Assert.Equal(0, Munmap(memory, 2 * Page));
        }
    }

    private const int ProtNone = 0, ProtRead = 1, ProtWrite = 2, MapPrivate = 2, MapAnonymous = 0x20;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mmap")]
    private static extern nint Mmap(nint address, nint length, int protection, int flags, int fd, nint offset);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mprotect")]
    private static extern int Mprotect(nint address, nint length, int protection);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "munmap")]
    private static extern int Munmap(nint address, nint length);

    private static void AssertSameAsReader(string array, bool vectorized)
    {
        var json = Encoding.UTF8.GetBytes(array);
        var expected = JsonFloatArrayReadTests.ReadByTokens(json);
        var values = new float[expected.Length + 1];
        Assert.True(FloatArrayText.TryParse(json, values, vectorized, out var count), array.Length < 200 ? array : "a long array");
        Assert.Equal(expected.Select(BitConverter.SingleToUInt32Bits), values.Take(count).Select(BitConverter.SingleToUInt32Bits));
    }
}
