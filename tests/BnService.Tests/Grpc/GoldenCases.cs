using System.Text.Json.Nodes;

namespace BnService.Tests.Grpc;

/// <summary>Data/bn-golden.json (api.md terms), read once from the test output directory.</summary>
internal static class GoldenCases
{
    private static readonly Lazy<IReadOnlyDictionary<string, JsonObject>> Cases = new(Load);

    public static JsonObject Case(string id) => Cases.Value[id];

    /// <summary>Ids of the cases that describe a layer (a config and steps).</summary>
    public static TheoryData<string> LayerCaseIds() => Ids(c => c["layer"] is not null);

    /// <summary>Ids of the stateless op cases.</summary>
    public static TheoryData<string> OpCaseIds() => Ids(c => c["op"] is not null);

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
internal sealed record GoldenTolerance(double Abs, double Rel)
{
    public static GoldenTolerance Of(JsonObject goldenCase) => new((double)goldenCase["tolerance"]!["abs"]!, (double)goldenCase["tolerance"]!["rel"]!);

    public void AssertClose(JsonNode? expected, IReadOnlyList<double> actual, string what)
    {
        var values = expected!.AsArray().Select(v => (double)v!).ToArray();
        Assert.True(values.Length == actual.Count, $"{what}: expected {values.Length} values, got {actual.Count}");
        for (var i = 0; i < values.Length; i++)
        {
            AssertClose(values[i], actual[i], $"{what}[{i}]");
        }
    }

    public void AssertClose(double expected, double actual, string what)
    {
        var allowed = Abs + (Rel * Math.Abs(expected));
        Assert.True(Math.Abs(actual - expected) <= allowed, $"{what}: expected {expected:R}, got {actual:R} (allowed {allowed:G3})");
    }

    /// <summary>An expected <c>{shape, data}</c> against a response tensor (either encoding).</summary>
    public void AssertTensor(JsonNode? expected, Bn.V1.Tensor actual, string what)
    {
        Assert.Equal(expected!["shape"]!.AsArray().Select(d => (long)d!).ToArray(), actual.Shape.ToArray());
        AssertClose(expected["data"], Tensors.Values(actual).Select(v => (double)v).ToArray(), what);
    }
}
