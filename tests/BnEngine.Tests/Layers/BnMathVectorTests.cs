using BnEngine.Tests.Golden;

namespace BnEngine.Tests.Layers;

/// <summary>The worked examples of bn-math.md §13 (T2-T9, T11), one channel, through the layer.</summary>
public class BnMathVectorTests
{
    private static readonly Tolerance Close = new(Abs: 1e-7, Rel: 1e-7);
    private static readonly float[] OneToFour = [1, 2, 3, 4];

    private static BatchNormLayer Layer(Convention convention, Func<LayerSpec, LayerSpec>? change = null)
    {
        var spec = new LayerSpec { Name = "t", Channels = 1, Convention = convention };
        return new BatchNormLayer(LayerConfig.Resolve(change is null ? spec : change(spec)));
    }

    private static float[] Train(BatchNormLayer layer, float[] x, int[]? dims = null)
    {
        var shape = TensorShape.Create(dims ?? [x.Length, 1], "input.shape");
        var y = new float[x.Length];
        layer.Train(shape, x, y);
        return y;
    }

    [Theory]
    [InlineData(Convention.PyTorch, 0.25, 1.0666667)] // momentum 0.1, unbiased
    [InlineData(Convention.Keras, 0.025, 1.0025)] // Keras 3: always biased
    [InlineData(Convention.TensorFlow, 0.0025, 1.00066667)] // contrib rank 2: fused path A, unbiased
    public void T2OneTrainingStepPerConvention(Convention convention, double movingMean, double movingVariance)
    {
        var layer = Layer(convention);

        var y = Train(layer, OneToFour);

        var expected = convention == Convention.PyTorch
            ? new[] { -1.34163542, -0.44721181, 0.44721181, 1.34163542 }
            : [-1.34110445, -0.44703482, 0.44703482, 1.34110445];
        new Tolerance(1e-6, 1e-6).AssertClose(expected, y.Select(v => (double)v).ToArray(), "y");
        var state = layer.CaptureState();
        Close.AssertClose(movingMean, state.MovingMean[0], "moving_mean");
        Close.AssertClose(movingVariance, state.MovingVariance[0], "moving_variance");
    }

    [Fact]
    public void T2BiasedPathWithDecay0999() // contrib rank 3 (path C): biased
    {
        var layer = Layer(Convention.TensorFlow);
        Train(layer, OneToFour, [4, 1, 1]);
        Close.AssertClose(1.00025, layer.CaptureState().MovingVariance[0], "moving_variance");
    }

    [Fact]
    public void T2FusedRank4() // contrib rank 4, in place: fused path A, unbiased; Keras 2's 4-D value with decay 0.99
    {
        var layer = Layer(Convention.TensorFlow, s => s with { Decay = new Decay(0.99) });
        Train(layer, OneToFour, [4, 1, 1, 1]);
        Close.AssertClose(1.0066667, layer.CaptureState().MovingVariance[0], "moving_variance");
    }

    [Fact]
    public void T3CumulativeAverage()
    {
        var layer = Layer(Convention.PyTorch, s => s with { Decay = Decay.Cumulative });
        double[] means = [1, 3, 3.6666667];
        double[] variances = [2, 2, 12];
        float[][] batches = [[0, 2], [4, 6], [1, 9]];
        for (var k = 0; k < 3; k++)
        {
            Train(layer, batches[k]);
            var state = layer.CaptureState();
            Close.AssertClose(means[k], state.MovingMean[0], $"moving_mean after {k + 1}");
            Close.AssertClose(variances[k], state.MovingVariance[0], $"moving_variance after {k + 1}");
        }
    }

    [Fact]
    public void T4ZeroDebiasedMovingMean()
    {
        var layer = Layer(Convention.TensorFlow, s => s with { Decay = new Decay(0.9), ZeroDebiasMovingMean = true });
        double[] expected = [1.0, 2.0526316, 2.4022140];
        float[][] batches = [[1, 1], [3, 3], [3, 3]];
        for (var k = 0; k < 3; k++)
        {
            Train(layer, batches[k]);
            Close.AssertClose(expected[k], layer.CaptureState().MovingMean[0], $"moving_mean after {k + 1}");
        }
    }

    [Theory]
    [InlineData(0, 0.1)]
    [InlineData(1, 0.18181818)]
    [InlineData(10, 0.55)]
    [InlineData(100, 0.91818182)]
    [InlineData(1000, 0.99108911)]
    [InlineData(8990, 0.999)]
    [InlineData(20000, 0.999)]
    public void T5NumUpdatesDecay(long n, double decay) =>
        Close.AssertClose(decay, MovingAverages.DecayFor(0.999, useNumUpdates: true, n), "decay");

    [Fact]
    public void T5NumUpdatesInTheLayer()
    {
        // n = 0: decay 0.1, so a moving mean initialized to 10 becomes 0.1*10 + 0.9*0 = 1 after a batch of mean 0.
        var layer = Layer(Convention.TensorFlow, s => s with
        {
            UseNumUpdates = true,
            ParamInitializers = new ParamInitializers(MovingMean: ChannelValues.Of(10)),
        });
        Train(layer, [-1, 1]);
        Close.AssertClose(1.0, layer.CaptureState().MovingMean[0], "moving_mean");
    }

    public static TheoryData<RenormClipping?, double[]> RenormCases => new()
    {
        { null, [1, 2, 3, 4] },
        { new RenormClipping(DMax: 1), [-0.5, 0.5, 1.5, 2.5] },
        { new RenormClipping(RMax: 1.1, DMax: 1), [-0.4752149, 0.5082617, 1.4917383, 2.4752149] },
    };

    [Theory]
    [MemberData(nameof(RenormCases))]
    public void T6Renorm(RenormClipping? clipping, double[] expected)
    {
        var layer = Layer(Convention.Keras, s => s with { Renorm = true, RenormClipping = clipping });

        var y = Train(layer, OneToFour);

        new Tolerance(1e-6, 1e-6).AssertClose(expected, y.Select(v => (double)v).ToArray(), "y");
        var state = layer.CaptureState();
        Close.AssertClose(0.025, state.RenormMean[0], "renorm_mean");
        Close.AssertClose(1.00118481, state.RenormStddev[0], "renorm_stddev");
        Close.AssertClose(0.025, state.MovingMean[0], "moving_mean");
        Close.AssertClose(1.00118481, state.MovingStddev[0], "moving_stddev");
        Close.AssertClose(1.00137103, state.MovingVariance[0], "moving_variance");
    }

    [Fact]
    public void T8BackwardTrainingMode()
    {
        var layer = Layer(Convention.Keras, s => s with { Epsilon = 1e-12, ParamInitializers = new ParamInitializers(Gamma: ChannelValues.Of(2)) });
        var dx = new float[4];

        var result = layer.Backward(TensorShape.Create([4, 1], "input.shape"), OneToFour, [1, 0, 0, 0], dx, isTraining: true, learningRate: null);

        new Tolerance(1e-6, 1e-6).AssertClose([0.53665631, -0.71554175, -0.17888544, 0.35777088], dx.Select(v => (double)v).ToArray(), "dx");
        Close.AssertClose(-1.34164079, result.GradGamma[0], "dgamma");
        Close.AssertClose(1, result.GradBeta[0], "dbeta");
    }

    [Fact]
    public void T8BackwardInferenceMode()
    {
        var layer = Layer(Convention.PyTorch, s => s with { ParamInitializers = new ParamInitializers(Gamma: ChannelValues.Of(2)) });
        var dx = new float[4];

        var result = layer.Backward(TensorShape.Create([4, 1], "input.shape"), OneToFour, [1, 0, 0, 0], dx, isTraining: false, learningRate: null);

        new Tolerance(1e-6, 1e-6).AssertClose([1.99999, 0, 0, 0], dx.Select(v => (double)v).ToArray(), "dx");
        Close.AssertClose(0.999995, result.GradGamma[0], "dgamma");
    }

    [Fact]
    public void T9OneValuePerChannelTensorFlowFused()
    {
        var layer = Layer(Convention.TensorFlow, s => s with { Channels = 2, DataFormat = DataFormat.Nchw, Decay = new Decay(0.9) });
        var y = new float[2];

        var result = layer.Train(TensorShape.Create([1, 2, 1, 1], "input.shape"), [5, -3], y);

        Assert.Equal([0.0, 0.0], result.BatchVariance);
        Assert.Equal([0f, 0f], y);
        Close.AssertClose([0.9, 0.9], layer.CaptureState().MovingVariance, "moving_variance"); // decay * old
    }

    [Fact]
    public void T9OneValuePerChannelPyTorchIsRejected()
    {
        var layer = Layer(Convention.PyTorch, s => s with { Channels = 2, DataFormat = DataFormat.Nchw });
        var before = layer.CaptureState();

        var ex = Assert.Throws<InvalidShapeException>(() => layer.Train(TensorShape.Create([1, 2, 1, 1], "input.shape"), [5, -3], new float[2]));

        Assert.Equal("input.shape", ex.Field);
        Assert.Contains("more than 1 value per channel", ex.Message);
        Assert.Equal(before.Version, layer.CaptureState().Version);
    }

    [Fact]
    public void T11AffineOrderKeepsTheExactResult()
    {
        // Inference with moving mean 16777216 and variance 0.36: (x - mean) * a + b gives the exact [-3.33, 0, 3.33].
        var layer = Layer(Convention.Keras, s => s with
        {
            Epsilon = 1e-12,
            ParamInitializers = new ParamInitializers(MovingMean: ChannelValues.Of(16777216), MovingVariance: ChannelValues.Of(0.36)),
        });
        var y = new float[3];

        layer.Infer(TensorShape.Create([3, 1], "input.shape"), [16777214, 16777216, 16777218], y);

        new Tolerance(1e-6, 1e-6).AssertClose([-3.3333333, 0, 3.3333333], y.Select(v => (double)v).ToArray(), "y");
    }
}
