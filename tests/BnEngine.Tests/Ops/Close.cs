namespace BnEngine.Tests.Ops;

internal static class Close
{
    /// <summary>|actual - expected| &lt;= rel * max(|expected|, floor) elementwise, with a message naming the first miss.</summary>
    public static void All(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double rel, double floor = 1.0, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var tol = rel * Math.Max(Math.Abs(expected[i]), floor);
            if (!(Math.Abs(actual[i] - expected[i]) <= tol))
            {
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (tolerance {tol:G3})");
            }
        }
    }
}
