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
    public void PlainDecimalsTakeTheFastPathAndMatchTheFullParser(string text)
    {
        Assert.True(FloatText.TryParseFast(Encoding.ASCII.GetBytes(text), out var value));
        Assert.Equal(BitConverter.SingleToUInt32Bits(float.Parse(text, CultureInfo.InvariantCulture)), BitConverter.SingleToUInt32Bits(value));
    }

    [Theory]
    [InlineData("16777217")] // 2^24 + 1, exactly halfway between two floats
    [InlineData("9007199254740992")] // 2^53
    [InlineData("12345678901234567")]
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
}
