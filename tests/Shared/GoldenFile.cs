using System.Text.Json.Nodes;

namespace BnTestSupport;

/// <summary>Data/bn-golden.json (api.md terms), read once from the test output directory; shared by the engine and service tests.</summary>
public static class GoldenFile
{
    private static readonly Lazy<IReadOnlyDictionary<string, JsonObject>> Cases = new(Load);

    public static JsonObject Case(string id) => Cases.Value[id];

    /// <summary>Ids of the cases that describe a layer (a config and steps).</summary>
    public static TheoryData<string> LayerCaseIds() => Ids(c => c["layer"] is not null);

    /// <summary>Ids of the stateless op cases with the given <c>op</c>, or of every op case.</summary>
    public static TheoryData<string> OpCaseIds(string? op = null) => Ids(c => c["op"] is not null && (op is null || (string?)c["op"] == op));

    public static int CaseCount => Cases.Value.Count;

    private static TheoryData<string> Ids(Func<JsonObject, bool> filter)
    {
        var data = new TheoryData<string>();
        foreach (var (id, c) in Cases.Value)
        {
            if (filter(c))
            {
                data.Add(id);
            }
        }

        return data;
    }

    private static IReadOnlyDictionary<string, JsonObject> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Data", "bn-golden.json");
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var result = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var node in root["cases"]!.AsArray())
        {
            var c = node!.AsObject();
            result.Add((string)c["id"]!, c);
        }

        return result;
    }
}

/// <summary>A case's tolerance: |actual - expected| &lt;= abs + rel * |expected| (the file's own per-case figures).</summary>
public sealed record Tolerance(double Abs, double Rel)
{
    public static Tolerance Of(JsonObject goldenCase)
    {
        var t = goldenCase["tolerance"]!;
        return new Tolerance((double)t["abs"]!, (double)t["rel"]!);
    }

    public void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: expected {expected.Length} values, got {actual.Length}");
        for (var i = 0; i < expected.Length; i++)
        {
            AssertClose(expected[i], actual[i], $"{what}[{i}]");
        }
    }

    public void AssertClose(double expected, double actual, string what)
    {
        var allowed = Abs + Rel * Math.Abs(expected);
        Assert.True(Math.Abs(actual - expected) <= allowed, $"{what}: expected {expected:R}, got {actual:R} (allowed {allowed:G3})");
    }
}
