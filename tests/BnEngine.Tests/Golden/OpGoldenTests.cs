using System.Text.Json.Nodes;

namespace BnEngine.Tests.Golden;

/// <summary>Replays the golden file's stateless op cases through <see cref="Moments"/> and <see cref="BatchNormalization"/>.</summary>
public class OpGoldenTests
{
    public static TheoryData<string> MomentsCases => GoldenFile.OpCaseIds("moments");

    public static TheoryData<string> BatchNormalizationCases => GoldenFile.OpCaseIds("batch_normalization");

    [Fact]
    public void FileHoldsTheOpCases() => Assert.Equal(6, MomentsCases.Count + BatchNormalizationCases.Count);

    [Theory]
    [MemberData(nameof(MomentsCases))]
    public void Moments(string id)
    {
        var goldenCase = GoldenFile.Case(id);
        var request = goldenCase["request"]!;
        var axes = request["axes"]!.AsArray().Select(a => (int)a!).ToArray();
        var weights = request["frequency_weights"] is { } w ? Tensor(w, "frequency_weights") : null;

        var result = BnEngine.Moments.Compute(Tensor(request["input"], "input"), axes, (bool?)request["keep_dims"] ?? false, weights);

        var tolerance = Tolerance.Of(goldenCase);
        AssertTensor(goldenCase["expect"]!["mean"], result.Mean, tolerance, id + " mean");
        AssertTensor(goldenCase["expect"]!["variance"], result.Variance, tolerance, id + " variance");
    }

    [Theory]
    [MemberData(nameof(BatchNormalizationCases))]
    public void BatchNormalizationOp(string id)
    {
        var goldenCase = GoldenFile.Case(id);
        var request = goldenCase["request"]!;

        var output = BatchNormalization.Compute(
            Tensor(request["x"], "x"),
            Tensor(request["mean"], "mean"),
            Tensor(request["variance"], "variance"),
            request["offset"] is { } offset ? Tensor(offset, "offset") : null,
            request["scale"] is { } scale ? Tensor(scale, "scale") : null,
            (double)request["variance_epsilon"]!);

        AssertTensor(goldenCase["expect"]!["output"], output, Tolerance.Of(goldenCase), id + " output");
    }

    private static Tensor Tensor(JsonNode? node, string field)
    {
        var (shape, data) = GoldenJson.Tensor(node, field);
        return new Tensor(shape, data);
    }

    private static void AssertTensor(JsonNode? expected, Tensor actual, Tolerance tolerance, string what)
    {
        var expectedShape = expected!["shape"]!.AsArray().Select(d => (int)d!).ToArray();
        Assert.Equal(expectedShape, actual.Shape.ToArray());
        tolerance.AssertClose(GoldenJson.Doubles(expected["data"]), actual.Data.ToArray().Select(v => (double)v).ToArray(), what);
    }
}
