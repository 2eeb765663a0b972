using System.Text.Json.Nodes;

namespace BnEngine.Tests.Golden;

/// <summary>Replays every layer case of the golden file step by step (train, infer, backward, commit, state).</summary>
public class LayerGoldenTests
{
    public static TheoryData<string> LayerCases => GoldenFile.LayerCaseIds();

    [Fact]
    public void FileHoldsTheExpectedCases()
    {
        Assert.Equal(33, GoldenFile.CaseCount);
        Assert.Equal(27, GoldenFile.LayerCaseIds().Count);
    }

    [Theory]
    [MemberData(nameof(LayerCases))]
    public void Replay(string id)
    {
        var goldenCase = GoldenFile.Case(id);
        var tolerance = Tolerance.Of(goldenCase);
        var layer = new BatchNormLayer(LayerConfig.Resolve(GoldenJson.LayerSpec(goldenCase["layer"]!.AsObject())));
        var steps = goldenCase["steps"]!.AsArray();
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i]!.AsObject();
            var op = (string)step["op"]!;
            var where = $"{id} step {i} ({op})";
            switch (op)
            {
                case "train":
                    Train(layer, step, tolerance, where);
                    break;
                case "infer":
                    Infer(layer, step, tolerance, where);
                    break;
                case "backward":
                    Backward(layer, step, tolerance, where);
                    break;
                case "commit":
                    layer.Commit();
                    break;
                case "state":
                    State(layer, step["expect"]!.AsObject(), tolerance, where);
                    break;
                default:
                    Assert.Fail($"{where}: unknown op");
                    break;
            }
        }
    }

    private static void Train(BatchNormLayer layer, JsonObject step, Tolerance tolerance, string where)
    {
        var (shape, input) = GoldenJson.Tensor(step["input"], "input");
        var weights = step["batch_weights"] is { } w ? GoldenJson.Floats(w) : [];
        var output = new float[input.Length];

        var result = layer.Train(shape, input, output, weights);

        var expect = step["expect"]!;
        AssertTensor(expect["output"], shape, output, tolerance, where + " output");
        tolerance.AssertClose(GoldenJson.Doubles(expect["batch_mean"]), result.BatchMean, where + " batch_mean");
        tolerance.AssertClose(GoldenJson.Doubles(expect["batch_variance"]), result.BatchVariance, where + " batch_variance");
        Assert.Equal(layer.CaptureState().Step, result.Step);
        Assert.Equal(layer.CaptureState().Pending.Count, result.PendingUpdates);
    }

    private static void Infer(BatchNormLayer layer, JsonObject step, Tolerance tolerance, string where)
    {
        var (shape, input) = GoldenJson.Tensor(step["input"], "input");
        var output = new float[input.Length];
        var before = layer.CaptureState().Version;

        layer.Infer(shape, input, output);

        AssertTensor(step["expect"]!["output"], shape, output, tolerance, where + " output");
        Assert.Equal(before, layer.CaptureState().Version);
    }

    private static void Backward(BatchNormLayer layer, JsonObject step, Tolerance tolerance, string where)
    {
        var (shape, input) = GoldenJson.Tensor(step["input"], "input");
        var (gradShape, gradOutput) = GoldenJson.Tensor(step["grad_output"], "grad_output");
        Assert.Equal(shape, gradShape);
        var isTraining = (bool?)step["is_training"] ?? true;
        var learningRate = (double?)step["apply"]?["learning_rate"];
        var gradInput = new float[input.Length];
        var before = layer.CaptureState();

        var result = layer.Backward(shape, input, gradOutput, gradInput, isTraining, learningRate);

        var expect = step["expect"]!;
        AssertTensor(expect["grad_input"], shape, gradInput, tolerance, where + " grad_input");
        tolerance.AssertClose(GoldenJson.Doubles(expect["grad_gamma"]), result.GradGamma, where + " grad_gamma");
        tolerance.AssertClose(GoldenJson.Doubles(expect["grad_beta"]), result.GradBeta, where + " grad_beta");
        tolerance.AssertClose((double)expect["regularization_loss"]!, result.RegularizationLoss, where + " regularization_loss");
        var after = layer.CaptureState();
        Assert.Equal(before.Step, after.Step);
        Assert.Equal(before.MovingMean, after.MovingMean);
        Assert.Equal(before.MovingVariance, after.MovingVariance);
    }

    private static void State(BatchNormLayer layer, JsonObject expect, Tolerance tolerance, string where)
    {
        var state = layer.CaptureState();
        foreach (var (key, value) in expect)
        {
            switch (key)
            {
                case "step":
                    Assert.Equal((long)value!, state.Step);
                    break;
                case "pending_updates":
                    Assert.Equal((int)value!, state.Pending.Count);
                    break;
                default:
                    tolerance.AssertClose(GoldenJson.Doubles(value), PerChannel(state, key), $"{where} {key}");
                    break;
            }
        }
    }

    private static double[] PerChannel(LayerState state, string key) => key switch
    {
        "gamma" => state.Gamma,
        "beta" => state.Beta,
        "moving_mean" => state.MovingMean,
        "moving_variance" => state.MovingVariance,
        "renorm_mean" => state.RenormMean,
        "renorm_stddev" => state.RenormStddev,
        _ => throw new InvalidDataException($"unknown state field '{key}'"),
    };

    private static void AssertTensor(JsonNode? expected, TensorShape shape, float[] actual, Tolerance tolerance, string what)
    {
        var (expectedShape, _) = GoldenJson.Tensor(expected, what);
        Assert.Equal(expectedShape, shape);
        tolerance.AssertClose(GoldenJson.Doubles(expected!["data"]), actual.Select(v => (double)v).ToArray(), what);
    }
}
