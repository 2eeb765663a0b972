using BnEngine.Tests.Golden;

namespace BnEngine.Tests.Reference;

/// <summary>
/// The engine's backward against central finite differences of the float64 reference forward: the gradient of
/// sum(grad_output * y) in x, gamma and beta, with renorm's r and d held constant (stop_gradient), in training and
/// inference mode, through the smooth activations.
/// </summary>
public class FiniteDifferenceTests
{
    private const double H = 1e-5;
    private static readonly Activation[] Smooth = [Activation.None, Activation.Elu, Activation.Sigmoid, Activation.Tanh, Activation.Softplus];

    public static TheoryData<int, bool> Cases()
    {
        var data = new TheoryData<int, bool>();
        for (var seed = 1000; seed < 1030; seed++)
        {
            data.Add(seed, true);
            data.Add(seed, false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BackwardMatchesFiniteDifferences(int seed, bool isTraining)
    {
        var random = new RandomLayers(seed);
        var config = random.Config(Smooth, regularizers: false);
        var engine = new BatchNormLayer(config);
        var reference = new ReferenceLayer(config);
        var dims = random.Shape(config);
        var shape = TensorShape.Create(dims, "input.shape");

        // Two committed steps first, so that the moving and renorm statistics are not at their initializers.
        for (var i = 0; i < 2; i++)
        {
            var batch = random.Data(shape.ElementCount);
            engine.Train(shape, batch, new float[batch.Length]);
            reference.Train(dims, ReferencePropertyTests.ToDouble(batch));
            engine.Commit();
            reference.Commit();
        }

        var x = random.Data(shape.ElementCount);
        var dy = Moderate(random, shape.ElementCount);
        var gradInput = new float[x.Length];
        var grads = engine.Backward(shape, x, dy, gradInput, isTraining, learningRate: null);

        var xd = ReferencePropertyTests.ToDouble(x);
        var dyd = ReferencePropertyTests.ToDouble(dy);
        var (r, d) = isTraining ? reference.CurrentCorrection(dims, xd) : (Ones(config.Channels), new double[config.Channels]);
        double Objective(double[] xs, double[] gamma, double[] beta) => reference.Objective(dims, xs, dyd, isTraining, gamma, beta, r, d);

        var numericDx = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            numericDx[i] = Central(h => Objective(Shift(xd, i, h), reference.Gamma, reference.Beta));
        }

        var numericDGamma = new double[config.Channels];
        var numericDBeta = new double[config.Channels];
        for (var c = 0; c < config.Channels; c++)
        {
            numericDGamma[c] = Central(h => Objective(xd, Shift(reference.Gamma, c, h), reference.Beta));
            numericDBeta[c] = Central(h => Objective(xd, reference.Gamma, Shift(reference.Beta, c, h)));
        }

        var context = $"seed {seed} training {isTraining}: {config}";
        ToleranceFor(numericDx).AssertClose(numericDx, ReferencePropertyTests.ToDouble(gradInput), context + " grad_input");
        ToleranceFor(numericDGamma).AssertClose(numericDGamma, grads.GradGamma, context + " grad_gamma");
        ToleranceFor(numericDBeta).AssertClose(numericDBeta, grads.GradBeta, context + " grad_beta");
    }

    private static double Central(Func<double, double> f) => (f(H) - f(-H)) / (2 * H);

    private static Tolerance ToleranceFor(double[] values) => new(Abs: 1e-5 * Math.Max(1, values.Select(Math.Abs).Max()), Rel: 1e-4);

    private static double[] Shift(double[] values, int index, double h)
    {
        var copy = (double[])values.Clone();
        copy[index] += h;
        return copy;
    }

    private static double[] Ones(int count) => Enumerable.Repeat(1.0, count).ToArray();

    private static float[] Moderate(RandomLayers random, int count) =>
        Enumerable.Range(0, count).Select(_ => (float)(2 * random.Random.NextDouble() - 1)).ToArray();
}
