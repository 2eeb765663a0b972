using System.Globalization;
using System.Text;
using BnService.Rest.Json;

namespace BnService.Tests.Rest;

/// <summary>
/// Array elements written eight lanes at a time (AVX-512, where the processor has it) or value by value are each the
/// runtime's text (<c>float.ToString("R")</c>) and a comma: every lane position, runs of every length around a group,
/// every exponent, subnormals, powers of two, the values at each fixed/scientific switch, and random bit patterns.
/// </summary>
public sealed class FloatElementsTests
{
    public static TheoryData<bool> Paths => [true, false];

    [Theory]
    [MemberData(nameof(Paths))]
    public void RandomBitPatternsAreTheRuntimesTexts(bool vectorized)
    {
        var random = new Random(31);
        var values = new List<float>();
        while (values.Count < 400_000)
        {
            var value = BitConverter.Int32BitsToSingle(random.Next() ^ (random.Next(2) << 31));
            if (float.IsFinite(value))
            {
                values.Add(value);
            }
        }

        AssertElements(values.ToArray(), vectorized);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void TensorValuesAreTheRuntimesTexts(bool vectorized)
    {
        // What a tensor carries: fixed texts of every decimal point position, of either sign.
        var random = new Random(5);
        var values = Enumerable.Range(0, 200_000)
            .Select(_ => (float)((random.NextDouble() * 2 - 1) * Math.Pow(10, random.Next(-4, 10))))
            .ToArray();
        AssertElements(values, vectorized);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void EveryExponentsFirstAndLastMantissasAreTheRuntimesTexts(bool vectorized)
    {
        var values = new List<float>();
        for (uint exponent = 0; exponent < 255; exponent++)
        {
            for (uint m = 0; m < 64; m++)
            {
                values.Add(BitConverter.UInt32BitsToSingle(exponent << 23 | m));
                values.Add(BitConverter.UInt32BitsToSingle(exponent << 23 | (0x7F_FFFF - m)));
                values.Add(-BitConverter.UInt32BitsToSingle(exponent << 23 | (m * 0x1_0001)));
            }
        }

        AssertElements(values.ToArray(), vectorized);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void EachSpecialValueInEachLaneIsTheRuntimesText(bool vectorized)
    {
        // Zeros, subnormals, powers of two, and the floats either side of each fixed/scientific switch, each among
        // ordinary values at every position of a group of eight and in runs of every length up to three groups.
        var random = new Random(11);
        var specials = new List<float> { 0f, -0f, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue, BitConverter.UInt32BitsToSingle(0x007F_FFFF) };
        for (var e = -149; e <= 127; e++)
        {
            specials.Add(BitConverter.UInt32BitsToSingle(e < -126 ? 1u << (e + 149) : (uint)(e + 127) << 23));
        }

        foreach (var power in new[] { 1e-4f, 1e-3f, 1e9f, 1e10f })
        {
            var bits = BitConverter.SingleToUInt32Bits(power);
            for (var d = -3; d <= 3; d++)
            {
                specials.Add(BitConverter.UInt32BitsToSingle((uint)(bits + d)));
                specials.Add(-BitConverter.UInt32BitsToSingle((uint)(bits + d)));
            }
        }

        specials.AddRange([0.001f, 0.00099999994f, 999_999_940f, 999_999_900f, 1e-5f, 0.000100000005f, -0.000100000005f]);
        foreach (var special in specials)
        {
            for (var length = 1; length <= 24; length++)
            {
                for (var position = 0; position < length; position++)
                {
                    var values = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
                    values[position] = special;
                    AssertElements(values, vectorized);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ARunIsWrittenAsFarAsTheRoomGoesAndResumes(bool vectorized)
    {
        var random = new Random(3);
        var values = Enumerable.Range(0, 1000).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        var destination = new byte[FloatElements.GroupSpace + 40];
        var text = new StringBuilder();
        var rest = values.AsSpan();
        while (!rest.IsEmpty)
        {
            var length = FloatElements.Write(rest, destination, vectorized, out var taken);
            Assert.InRange(taken, 1, rest.Length);
            text.Append(Encoding.ASCII.GetString(destination, 0, length));
            rest = rest[taken..];
        }

        Assert.Equal(Expected(values), text.ToString());
    }

    [Theory]
    [InlineData(true, float.NaN)]
    [InlineData(true, float.PositiveInfinity)]
    [InlineData(true, float.NegativeInfinity)]
    [InlineData(false, float.NaN)]
    public void NonFiniteValuesAreRefusedInEveryLane(bool vectorized, float value)
    {
        for (var position = 0; position < 9; position++)
        {
            var values = Enumerable.Repeat(1.5f, 9).ToArray();
            values[position] = value;
            Assert.Throws<ArgumentException>(() => FloatElements.Write(values, new byte[1024], vectorized, out _));
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void NothingIsWrittenOutsideTheDestination(bool vectorized)
    {
        // Destinations of every size around a group's room, inside guard bytes: the text and its scratch stay within.
        const byte Guard = 0xA5;
        var random = new Random(17);
        var values = Enumerable.Range(0, 64).Select(_ => (float)((random.NextDouble() * 2 - 1) * Math.Pow(10, random.Next(-12, 12)))).ToArray();
        for (var size = 0; size <= 3 * FloatElements.GroupSpace; size++)
        {
            var buffer = new byte[size + 2 * 64];
            buffer.AsSpan().Fill(Guard);
            var destination = buffer.AsSpan(64, size);
            var length = FloatElements.Write(values, destination, vectorized, out var taken);

            Assert.True(buffer.AsSpan(0, 64).IndexOfAnyExcept(Guard) < 0, $"written before a destination of {size} bytes");
            Assert.True(buffer.AsSpan(64 + size).IndexOfAnyExcept(Guard) < 0, $"written past a destination of {size} bytes");
            Assert.Equal(Expected(values[..taken]), Encoding.ASCII.GetString(destination[..length]));
        }
    }

    private static void AssertElements(float[] values, bool vectorized)
    {
        var destination = new byte[values.Length * FloatElements.MaxElementLength + FloatElements.GroupSpace];
        var length = FloatElements.Write(values, destination, vectorized, out var taken);
        Assert.Equal(values.Length, taken);
        var written = Encoding.ASCII.GetString(destination, 0, length);
        var expected = Expected(values);
        if (written != expected)
        {
            var parts = written.Split(',');
            var i = Enumerable.Range(0, values.Length).First(i => parts[i] != values[i].ToString("R", CultureInfo.InvariantCulture));
            Assert.Fail($"value {i} of {values.Length}, bits 0x{BitConverter.SingleToUInt32Bits(values[i]):X8}: wrote {parts[i]}, the runtime {values[i].ToString("R", CultureInfo.InvariantCulture)}");
        }
    }

    private static string Expected(float[] values) =>
        string.Concat(values.Select(v => v.ToString("R", CultureInfo.InvariantCulture) + ","));
}
