using System.Globalization;

namespace BnService.Tests.Rest;

/// <summary>
/// The texts clients send for float32 values, drawn at random: shortest round-trip float and double, E notation, fixed
/// decimals, values halfway between two neighbouring floats (where rounding through double could go wrong), integers.
/// Only those that parse to a finite float32.
/// </summary>
internal static class FloatForms
{
    public static IEnumerable<string> Next(Random random)
    {
        var f = BitConverter.Int32BitsToSingle(random.Next());
        var d = random.NextDouble() * 4 - 2;
        var bits = (uint)random.Next() & 0x7EFF_FFFF;
        var halfway = ((double)BitConverter.UInt32BitsToSingle(bits) + BitConverter.UInt32BitsToSingle(bits + 1)) / 2;
        string[] forms =
        [
            f.ToString("R", CultureInfo.InvariantCulture), ((double)f).ToString("R", CultureInfo.InvariantCulture),
            f.ToString("E8", CultureInfo.InvariantCulture), d.ToString("R", CultureInfo.InvariantCulture), d.ToString("F9", CultureInfo.InvariantCulture),
            halfway.ToString("R", CultureInfo.InvariantCulture), halfway.ToString("E14", CultureInfo.InvariantCulture),
            random.Next().ToString(CultureInfo.InvariantCulture),
        ];
        return forms.Where(t => float.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && float.IsFinite(v));
    }
}
