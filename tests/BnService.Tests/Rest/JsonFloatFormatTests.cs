using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using BnService.Rest.Json;

namespace BnService.Tests.Rest;

/// <summary>
/// The float32 formatter writes exactly the runtime's shortest round-trip text (<c>float.ToString("R")</c>): the same
/// digits, so the shortest, laid out the same way, a valid JSON number that reads back to the same float.
/// </summary>
public sealed class JsonFloatFormatTests
{
    /// <summary>Random bit patterns per run; BNSERVICE_FLOAT_FORMAT_COUNT raises it (tens of millions take a minute or so).</summary>
    private static readonly int RandomCount =
        Environment.GetEnvironmentVariable("BNSERVICE_FLOAT_FORMAT_COUNT") is { Length: > 0 } text ? int.Parse(text, CultureInfo.InvariantCulture) : 2_000_000;

    [Theory]
    [InlineData(0f, "0")]
    [InlineData(-0f, "-0")]
    [InlineData(1f, "1")]
    [InlineData(-1.5f, "-1.5")]
    [InlineData(0.1f, "0.1")]
    [InlineData(0.0001f, "0.0001")]
    [InlineData(0.00001f, "1E-05")]
    [InlineData(1.2345678e-5f, "1.2345678E-05")]
    [InlineData(-0.00012345678f, "-0.00012345678")]
    [InlineData(123456789f, "123456790")]
    [InlineData(1e9f, "1E+09")]
    [InlineData(16777217f, "16777216")]
    [InlineData(float.MaxValue, "3.4028235E+38")]
    [InlineData(float.MinValue, "-3.4028235E+38")]
    [InlineData(float.Epsilon, "1E-45")]
    [InlineData(1.17549435e-38f, "1.1754944E-38")]
    public void KnownFloatsAreWrittenAsTheRuntimeWritesThem(float value, string expected)
    {
        Assert.Equal(expected, Format(value));
        Assert.Equal(expected, value.ToString("R", CultureInfo.InvariantCulture));
    }

    [Fact]
    public void EdgeCasesMatchTheRuntimeAndReadBack()
    {
        var values = new List<float> { 0f, -0f, float.Epsilon, float.MaxValue, float.MinValue, 1e-45f, 0.1f, 1f / 3 };
        for (var e = -149; e <= 127; e++)
        {
            // 2^e: a lone mantissa bit below the normal range, else a bare exponent.
            values.Add(BitConverter.UInt32BitsToSingle(e < -126 ? 1u << (e + 149) : (uint)(e + 127) << 23));
        }

        for (var e = -45; e <= 38; e++)
        {
            values.Add(float.Parse($"1e{e}", CultureInfo.InvariantCulture));
        }

        for (var i = 0; i <= 100_000; i++)
        {
            values.Add(i);
        }

        values.AddRange([16_777_216f, 16_777_218f, 99_999_999f, 999_999_900f, 1_000_000_000f, 4_294_967_296f]);
        // The subnormal/normal border, the largest subnormal, and each case's neighbours.
        values.AddRange([BitConverter.UInt32BitsToSingle(0x007F_FFFF), BitConverter.UInt32BitsToSingle(0x0080_0000)]);
        foreach (var value in values.ToArray())
        {
            var bits = BitConverter.SingleToUInt32Bits(value);
            values.Add(BitConverter.UInt32BitsToSingle(bits + 1));
            if ((bits & 0x7FFF_FFFF) != 0)
            {
                values.Add(BitConverter.UInt32BitsToSingle(bits - 1));
            }
        }

        foreach (var value in values.Where(float.IsFinite))
        {
            AssertLikeTheRuntime(value);
            AssertLikeTheRuntime(-value);
        }
    }

    [Fact]
    public void EveryExponentsFirstAndLastMantissasMatchTheRuntime()
    {
        for (uint exponent = 0; exponent < 255; exponent++)
        {
            for (uint m = 0; m < 256; m++)
            {
                AssertLikeTheRuntime(BitConverter.UInt32BitsToSingle(exponent << 23 | m));
                AssertLikeTheRuntime(BitConverter.UInt32BitsToSingle(exponent << 23 | (0x7F_FFFF - m)));
            }
        }
    }

    [Fact]
    public void RandomBitPatternsMatchTheRuntime()
    {
        var random = new Random(2018);
        var buffer = new byte[FloatFormat.RequiredSpace];
        var checkedCount = 0;
        for (var i = 0; i < RandomCount; i++)
        {
            var value = BitConverter.Int32BitsToSingle(random.Next() ^ (random.Next(2) << 31));
            if (!float.IsFinite(value))
            {
                continue;
            }

            var length = FloatFormat.Format(value, buffer);
            Assert.InRange(length, 1, FloatFormat.MaxLength);
            var expected = value.ToString("R", CultureInfo.InvariantCulture);
            if (!buffer.AsSpan(0, length).SequenceEqual(Encoding.ASCII.GetBytes(expected)))
            {
                Assert.Fail($"bits 0x{BitConverter.SingleToUInt32Bits(value):X8}: wrote {Encoding.ASCII.GetString(buffer, 0, length)}, the runtime {expected}");
            }

            checkedCount++;
        }

        Assert.True(checkedCount > RandomCount * 0.99, $"only {checkedCount} finite values");
    }

    [Fact]
    public void RandomTensorValuesReadBackThroughBothParsers()
    {
        var random = new Random(7);
        var fastCount = 0;
        for (var i = 0; i < 200_000; i++)
        {
            var value = (float)((random.NextDouble() * 2 - 1) * Math.Pow(10, random.Next(-12, 12)));
            var text = Encoding.ASCII.GetBytes(Format(value));
            Assert.Equal(BitConverter.SingleToUInt32Bits(value), BitConverter.SingleToUInt32Bits(float.Parse(text, CultureInfo.InvariantCulture)));
            // The fast parser declines a decimal exactly halfway between two floats (a large integer's shortest form can be one).
            if (FloatText.TryParseFast(text, out var fast))
            {
                fastCount++;
                Assert.Equal(BitConverter.SingleToUInt32Bits(value), BitConverter.SingleToUInt32Bits(fast));
            }
        }

        Assert.True(fastCount > 190_000, $"only {fastCount} took the fast path");
    }

    [Fact]
    public void TheLogarithmEstimatesAreExactOverEveryExponentInUse()
    {
        // floor(log10(2^e)), floor(log10(3/4 × 2^e)) and floor(log2(10^e)) against exact integer comparisons.
        for (var e = -1000; e <= 1000; e++)
        {
            var (numerator, denominator) = e >= 0 ? (BigInteger.Pow(2, e), BigInteger.One) : (BigInteger.One, BigInteger.Pow(2, -e));
            Assert.Equal(FloorLog10(numerator, denominator), FloatFormat.FloorLog10Pow2(e));
            Assert.Equal(FloorLog10(3 * numerator, 4 * denominator), FloatFormat.FloorLog10ThreeQuartersPow2(e));
        }

        for (var e = -300; e <= 300; e++)
        {
            var power = BigInteger.Pow(10, Math.Abs(e));
            var floor = e >= 0 ? (int)(power.GetBitLength() - 1) : -(int)(power - 1).GetBitLength();
            Assert.Equal(floor, FloatFormat.FloorLog2Pow10(e));
        }
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void NonFiniteValuesAreRefused(float value) =>
        Assert.Throws<ArgumentException>(() => FloatFormat.Format(value, new byte[FloatFormat.RequiredSpace]));

    [Fact]
    public void TooSmallADestinationIsRefused() =>
        Assert.Throws<ArgumentException>(() => FloatFormat.Format(1f, new byte[FloatFormat.RequiredSpace - 1]));

    [Fact]
    public void TheLongestTextsFitMaxLength()
    {
        // Nine digits after "-0.000": the longest fixed form; a scientific one is shorter.
        Assert.Equal("-0.000100000005", Format(-BitConverter.UInt32BitsToSingle(0x38D1_B718)));
        Assert.Equal(FloatFormat.MaxLength, "-0.000100000005".Length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(1_000)]
    [InlineData(5_000)]
    [InlineData(262_144)]
    public void ArraysAreTheTextTheWriterWouldWriteValueByValue(int count)
    {
        var random = new Random(count);
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = BitConverter.Int32BitsToSingle(random.Next()) is var f && float.IsFinite(f) ? (i % 2 == 0 ? f : -f) : i;
        }

        var written = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(written))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("data");
            JsonFloatArray.Write(writer, values);
            writer.WriteEndObject();
        }

        var expected = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(expected))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("data");
            foreach (var value in values)
            {
                writer.WriteNumberValue(value);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        Assert.True(expected.WrittenSpan.SequenceEqual(written.WrittenSpan), "the array's text differs from value-by-value writing");
        using var document = JsonDocument.Parse(written.WrittenMemory);
        var read = document.RootElement.GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        Assert.Equal(values.Select(BitConverter.SingleToUInt32Bits), read.Select(BitConverter.SingleToUInt32Bits));
    }

    private static void AssertLikeTheRuntime(float value)
    {
        var text = Format(value);
        Assert.Equal(value.ToString("R", CultureInfo.InvariantCulture), text);
        var reader = new Utf8JsonReader(Encoding.ASCII.GetBytes(text));
        Assert.True(reader.Read() && reader.TokenType == JsonTokenType.Number, text);
        Assert.True(reader.TryGetSingle(out var read), text);
        Assert.Equal(BitConverter.SingleToUInt32Bits(value), BitConverter.SingleToUInt32Bits(read));
    }

    /// <summary>floor(log10(numerator / denominator)) for a positive fraction.</summary>
    private static int FloorLog10(BigInteger numerator, BigInteger denominator)
    {
        var k = 0;
        while (numerator >= 10 * denominator)
        {
            denominator *= 10;
            k++;
        }

        while (numerator < denominator)
        {
            numerator *= 10;
            k--;
        }

        return k;
    }

    private static string Format(float value)
    {
        var buffer = new byte[FloatFormat.RequiredSpace];
        return Encoding.ASCII.GetString(buffer, 0, FloatFormat.Format(value, buffer));
    }
}
