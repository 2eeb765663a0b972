using System.Globalization;
using System.Text;
using BnService.Rest.Json;

namespace BnService.Tests.Rest;

/// <summary>The fast decimal-to-float32 path gives exactly the float the full parser gives, or declines.</summary>
public sealed class FloatTextTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("1")]
    [InlineData("-2.5e+3")]
    [InlineData("0.1")]
    [InlineData("1E-5")]
    [InlineData("4.7073894")]
    [InlineData("123456789012345")]
    [InlineData("1234567890123456")]
    [InlineData("9007199254740991")] // 2^53 - 1
    [InlineData("-0.9007199254740991e-6")]
    [InlineData("0.0000000000000000000001")]
    [InlineData("9007199254740992")] // 2^53: from here on the digits round on their way to double
    [InlineData("12345678901234567")]
    [InlineData("0.10000000149011612")] // a float32's double as Python writes it
    [InlineData("-1.9999998807907104")]
    [InlineData("9223372036854775807")] // 2^63 - 1
    public void PlainDecimalsTakeTheFastPathAndMatchTheFullParser(string text)
    {
        Assert.True(FloatText.TryParseFast(Encoding.ASCII.GetBytes(text), out var value));
        Assert.Equal(BitConverter.SingleToUInt32Bits(float.Parse(text, CultureInfo.InvariantCulture)), BitConverter.SingleToUInt32Bits(value));
    }

    [Theory]
    [InlineData("16777217")] // 2^24 + 1, exactly halfway between two floats
    [InlineData("16777217.000000001")] // just past halfway, but its double is halfway
    [InlineData("16777216.999999999")]
    [InlineData("9223372036854775808")] // 2^63
    [InlineData("3402823669209384634e20")] // past float32's largest
    [InlineData("3.4028235e38")]
    [InlineData("1e-45")]
    [InlineData("1e23")]
    [InlineData("0.00000000000000000000001")]
    public void OtherNumbersAreLeftToTheFullParser(string text) =>
        Assert.False(FloatText.TryParseFast(Encoding.ASCII.GetBytes(text), out _));

    [Fact]
    public void RandomFloatsInEveryCommonFormMatchTheFullParserBitForBit()
    {
        var random = new Random(11);
        var taken = 0;
        for (var i = 0; i < 50_000; i++)
        {
            foreach (var text in FloatForms.Next(random))
            {
                if (FloatText.TryParseFast(Encoding.ASCII.GetBytes(text), out var value))
                {
                    taken++;
                    Assert.True(BitConverter.SingleToUInt32Bits(float.Parse(text, CultureInfo.InvariantCulture)) == BitConverter.SingleToUInt32Bits(value), text);
                }
            }
        }

        Assert.True(taken > 100_000, $"only {taken} numbers took the fast path");
    }

    [Fact]
    public void LongDecimalsAroundHalfwayMatchTheFullParserBitForBit()
    {
        // 17 to 19 significant digits a few double steps either side of halfway between two floats, where rounding the
        // digits to double and the double to float could go the wrong way; and the float's own double, as Python writes it.
        var random = new Random(23);
        var (taken, declined) = (0, 0);
        for (var i = 0; i < 20_000; i++)
        {
            var bits = (uint)random.Next(0x0080_0000, 0x7F00_0000);
            var halfway = ((double)BitConverter.UInt32BitsToSingle(bits) + BitConverter.UInt32BitsToSingle(bits + 1)) / 2;
            var near = BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(halfway) + random.Next(-6, 7));
            string[] texts =
            [
                near.ToString("G17", CultureInfo.InvariantCulture), near.ToString("E18", CultureInfo.InvariantCulture),
                near.ToString("R", CultureInfo.InvariantCulture), ((double)BitConverter.UInt32BitsToSingle(bits)).ToString("R", CultureInfo.InvariantCulture),
            ];
            foreach (var text in texts)
            {
                if (FloatText.TryParseFast(Encoding.ASCII.GetBytes(text), out var value))
                {
                    taken++;
                    Assert.True(BitConverter.SingleToUInt32Bits(float.Parse(text, CultureInfo.InvariantCulture)) == BitConverter.SingleToUInt32Bits(value), text);
                }
                else
                {
                    declined++;
                }
            }
        }

        // Most are taken (those within a power of ten of ±22); the ones within two double steps of halfway are not.
        Assert.True(taken > 20_000 && declined > 5_000, $"{taken} taken, {declined} declined");
    }
}
