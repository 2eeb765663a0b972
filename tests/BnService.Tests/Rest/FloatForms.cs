using System.Globalization;

namespace BnService.Tests.Rest;

/// <summary>
/// The texts clients send for float32 values, drawn at random: shortest round-trip float and double, E notation, fixed
/// decimals, values halfway between two neighbouring floats (where rounding through double could go wrong) and a double
/// step either side of halfway, written with up to 20 digits, subnormal floats, integers. Only those that parse to a
/// finite float32.
/// </summary>
internal static class FloatForms
{
    public static IEnumerable<string> Next(Random random)
    {
        var f = BitConverter.Int32BitsToSingle(random.Next());
        var d = random.NextDouble() * 4 - 2;
        var bits = (uint)random.Next() & 0x7EFF_FFFF;
        var halfway = ((double)BitConverter.UInt32BitsToSingle(bits) + BitConverter.UInt32BitsToSingle(bits + 1)) / 2;
        var subnormal = BitConverter.UInt32BitsToSingle((uint)random.Next(1, 1 << 23));
        string[] forms =
        [
            f.ToString("R", CultureInfo.InvariantCulture), ((double)f).ToString("R", CultureInfo.InvariantCulture),
            f.ToString("E8", CultureInfo.InvariantCulture), d.ToString("R", CultureInfo.InvariantCulture), d.ToString("F9", CultureInfo.InvariantCulture),
            halfway.ToString("R", CultureInfo.InvariantCulture), halfway.ToString("E14", CultureInfo.InvariantCulture),
            halfway.ToString("E16", CultureInfo.InvariantCulture), halfway.ToString("E19", CultureInfo.InvariantCulture),
            Math.BitDecrement(halfway).ToString("R", CultureInfo.InvariantCulture), Math.BitIncrement(halfway).ToString("E17", CultureInfo.InvariantCulture),
            subnormal.ToString("R", CultureInfo.InvariantCulture), ((double)subnormal).ToString("E16", CultureInfo.InvariantCulture),
            random.Next().ToString(CultureInfo.InvariantCulture),
        ];
        return forms.Where(t => float.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && float.IsFinite(v));
    }
}
