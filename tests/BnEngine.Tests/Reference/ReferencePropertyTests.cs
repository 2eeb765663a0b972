using BnEngine.Tests.Golden;

namespace BnEngine.Tests.Reference;

/// <summary>The engine against the float64 reference over random configurations, shapes, ranks and formats (seeded).</summary>
public class ReferencePropertyTests
{
    private static readonly Tolerance Close = new(Abs: 1e-5, Rel: 1e-5);

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (var seed = 1; seed <= 200; seed++)
        {
            data.Add(seed);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void EngineMatchesReference(int seed)
    {
        var random = new RandomLayers(seed);
        var config = random.Config();
        var engine = new BatchNormLayer(config);
        var reference = new ReferenceLayer(config);
        var context = $"seed {seed}: {config}";

        for (var round = 0; round < 4; round++)
        {
            var dims = random.Shape(config);
            var shape = TensorShape.Create(dims, "input.shape");
            var x = random.Data(shape.ElementCount);
            var weights = random.Random.Next(4) == 0 ? random.Weights(dims[0]) : null;

            var output = new float[x.Length];
            var trained = engine.Train(shape, x, output, weights);
            var (y, mean, variance) = reference.Train(dims, ToDouble(x), weights is null ? null : ToDouble(weights));
            Close.AssertClose(y, ToDouble(output), $"{context} round {round} output");
            Close.AssertClose(mean, trained.BatchMean, $"{context} round {round} batch_mean");
            Close.AssertClose(variance, trained.BatchVariance, $"{context} round {round} batch_variance");
            Assert.Equal(reference.Step, trained.Step);
            Assert.Equal(reference.PendingUpdates, trained.PendingUpdates);

            if (random.Random.Next(2) == 0)
            {
                engine.Commit();
                reference.Commit();
            }

            if (random.Random.Next(3) == 0)
            {
                // The stored state carries everything: a restored layer continues exactly.
                engine = new BatchNormLayer(config, engine.CaptureState());
            }

            var inferInput = random.Data(shape.ElementCount);
            var inferred = new float[x.Length];
            engine.Infer(shape, inferInput, inferred);
            Close.AssertClose(reference.Infer(dims, ToDouble(inferInput)), ToDouble(inferred), $"{context} round {round} infer");

            var gradOutput = random.Data(shape.ElementCount);
            var isTraining = random.Random.Next(2) == 0;
            double? learningRate = random.Random.Next(2) == 0 ? 0.05 : null;
            var gradInput = new float[x.Length];
            var engineGrads = engine.Backward(shape, x, gradOutput, gradInput, isTraining, learningRate);
            var (dx, dGamma, dBeta, loss) = reference.Backward(dims, ToDouble(x), ToDouble(gradOutput), isTraining, learningRate);
            var scale = dx.Select(Math.Abs).DefaultIfEmpty(0).Max();
            new Tolerance(Abs: 1e-5 * Math.Max(1, scale), Rel: 1e-5).AssertClose(dx, ToDouble(gradInput), $"{context} round {round} grad_input");
            Close.AssertClose(dGamma, engineGrads.GradGamma, $"{context} round {round} grad_gamma");
            Close.AssertClose(dBeta, engineGrads.GradBeta, $"{context} round {round} grad_beta");
            Close.AssertClose(loss, engineGrads.RegularizationLoss, $"{context} round {round} regularization_loss");

            AssertSameState(reference, engine.CaptureState(), $"{context} round {round} state");
        }
    }

    private static void AssertSameState(ReferenceLayer reference, LayerState state, string context)
    {
        Assert.Equal(reference.Step, state.Step);
        Assert.Equal(reference.PendingUpdates, state.Pending.Count);
        Close.AssertClose(reference.Gamma, state.Gamma, context + " gamma");
        Close.AssertClose(reference.Beta, state.Beta, context + " beta");
        Close.AssertClose(reference.MovingMean, state.MovingMean, context + " moving_mean");
        Close.AssertClose(reference.MovingVariance, state.MovingVariance, context + " moving_variance");
        Close.AssertClose(reference.RenormMean, state.RenormMean, context + " renorm_mean");
        Close.AssertClose(reference.RenormStddev, state.RenormStddev, context + " renorm_stddev");
    }

    internal static double[] ToDouble(float[] values) => values.Select(v => (double)v).ToArray();
}
