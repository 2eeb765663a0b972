namespace BnEngine.Tests.Layers;

/// <summary>
/// Finite inputs whose results would leave float32's range (or turn NaN) are rejected before anything changes,
/// and configurations that could only produce such results are rejected when the layer is created.
/// </summary>
public class NonFiniteResultTests
{
    private static readonly TensorShape Shape = TensorShape.Create([10, 2], "input.shape");

    private static LayerSpec Spec(double gamma = 1, double movingVariance = 1, double epsilon = 1e-3, UpdateMode updates = UpdateMode.InPlace,
        Activation activation = Activation.None, double beta = 0) => new()
    {
        Name = "bn", Channels = 2, Convention = Convention.Keras, Epsilon = epsilon, Updates = updates, Activation = activation,
        ParamInitializers = new ParamInitializers(Gamma: ChannelValues.Of(gamma), Beta: ChannelValues.Of(beta), MovingVariance: ChannelValues.Of(movingVariance)),
        ParamRegularizers = new ParamRegularizers(Gamma: new L1L2(0.01, 0.01)),
    };

    /// <summary>Channel 0 holds one value at 3 batch stddevs from the batch mean, channel 1 values around 0.5.</summary>
    private static float[] Batch()
    {
        var x = new float[Shape.ElementCount];
        x[2 * 9] = 1;
        for (var i = 0; i < 10; i++)
        {
            x[2 * i + 1] = 0.5f + 0.01f * i;
        }

        return x;
    }

    /// <summary>
    /// A layer that already took one batch, so that its state is not just the initializers. The batch is +-1 on
    /// every channel: normalized values just below 1 keep even gamma 3e38 within float32.
    /// </summary>
    private static BatchNormLayer Trained(LayerSpec spec)
    {
        var layer = new BatchNormLayer(LayerConfig.Resolve(spec));
        var x = Enumerable.Range(0, Shape.ElementCount).Select(i => i / 2 % 2 == 0 ? 1f : -1f).ToArray();
        layer.Train(Shape, x, new float[x.Length]);
        return layer;
    }

    private static void RejectedAndUnchanged<TException>(BatchNormLayer layer, string field, Action<BatchNormLayer> call)
        where TException : BatchNormException
    {
        var before = layer.CaptureState();

        var ex = Assert.Throws<TException>(() => call(layer));

        Assert.Equal(field, ex.Field);
        StateAssert.Same(before, layer.CaptureState());
    }

    [Theory]
    [InlineData(UpdateMode.InPlace, Activation.None)]
    [InlineData(UpdateMode.Deferred, Activation.None)]
    [InlineData(UpdateMode.InPlace, Activation.Selu)]
    public void TrainWhoseOutputOverflowsChangesNothing(UpdateMode updates, Activation activation)
    {
        // gamma 3e38 times a normalized value of 3 is 9e38, beyond float32.
        var layer = Trained(Spec(gamma: 3e38, updates: updates, activation: activation));
        var x = Batch();

        RejectedAndUnchanged<NonFiniteResultException>(layer, "input", l => l.Train(Shape, x, new float[x.Length]));
    }

    [Fact]
    public void TrainWithAValueAtOnePointFourStddevsOverflowsWithTheLargestGamma()
    {
        // mean 0, biased stddev 1 on channel 0; 1.4 * 3e38 = 4.2e38.
        var x = new float[Shape.ElementCount];
        for (var i = 0; i < 10; i++)
        {
            x[2 * i] = i < 5 ? 1 : -1;
        }

        x[0] = 1.4f;
        x[2] = 0.6f;
        var layer = Trained(Spec(gamma: 3e38, epsilon: Float32Range.MinEpsilon));

        var ex = Assert.Throws<NonFiniteResultException>(() => layer.Train(Shape, x, new float[x.Length]));

        Assert.Contains("index 0", ex.Message);
        Assert.Equal(1, layer.CaptureState().Step);
    }

    [Fact]
    public void InferWhoseOutputOverflowsChangesNothing()
    {
        var layer = Trained(Spec(gamma: 3e38));
        var x = Enumerable.Repeat(1f, Shape.ElementCount).ToArray();
        x[7] = 100;

        RejectedAndUnchanged<NonFiniteResultException>(layer, "input", l => l.Infer(Shape, x, new float[x.Length]));
        var ex = Assert.Throws<NonFiniteResultException>(() => layer.Infer(Shape, x, new float[x.Length]));
        Assert.Contains("index 7", ex.Message);
    }

    [Fact]
    public void InferWhoseSeluOverflowsChangesNothing()
    {
        // 1.1 * 3e38 / sqrt(1 + eps) is still a float32, selu's factor 1.0507 takes it beyond.
        var layer = Trained(Spec(gamma: 3e38, activation: Activation.Selu));
        var x = Enumerable.Repeat(0.5f, Shape.ElementCount).ToArray();
        x[3] = 1.1f;

        RejectedAndUnchanged<NonFiniteResultException>(layer, "input", l => l.Infer(Shape, x, new float[x.Length]));
        x[3] = 1f;
        layer.Infer(Shape, x, new float[x.Length]);
    }

    [Fact]
    public void InferReportsABadInputBeforeAnOverflowingOutput()
    {
        var layer = Trained(Spec(gamma: 3e38));
        var x = Enumerable.Repeat(100f, Shape.ElementCount).ToArray();
        x[^1] = float.NaN;

        RejectedAndUnchanged<NonFiniteInputException>(layer, "input", l => l.Infer(Shape, x, new float[x.Length]));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BackwardWhoseGradInputOverflowsChangesNothing(bool isTraining)
    {
        // dx ~ gamma/stddev * dy: 2 * 3e38 is beyond float32 in both modes.
        var layer = Trained(Spec(gamma: 2));
        var x = Batch();
        var dy = Enumerable.Range(0, Shape.ElementCount).Select(i => i % 4 < 2 ? 3e38f : -3e38f).ToArray();

        RejectedAndUnchanged<NonFiniteResultException>(layer, "grad_output", l => l.Backward(Shape, x, dy, new float[x.Length], isTraining, 0.1));
    }

    [Fact]
    public void BackwardWhoseActivationGradientOverflowsChangesNothing()
    {
        // selu's slope below 0 reaches 1.76: 3e38 times it leaves float32 before any sum.
        var layer = Trained(Spec(gamma: 1e-6, beta: -0.05, activation: Activation.Selu));
        var x = Batch();
        var dy = Enumerable.Repeat(3e38f, Shape.ElementCount).ToArray();

        RejectedAndUnchanged<NonFiniteResultException>(layer, "grad_output", l => l.Backward(Shape, x, dy, new float[x.Length], true, 0.1));
    }

    [Fact]
    public void BackwardWhoseRegularizationLossOverflowsChangesNothing()
    {
        // Only a stored state can hold gamma 1e200 (initializers stop at float32's range): l2 * gamma^2 overflows double.
        var config = LayerConfig.Resolve(Spec() with { ParamRegularizers = new ParamRegularizers(Gamma: new L1L2(0, 1)) });
        var state = new BatchNormLayer(config).CaptureState();
        state.Gamma = [1e200, 1];
        var layer = new BatchNormLayer(config, state);
        var x = Batch();

        RejectedAndUnchanged<NonFiniteResultException>(layer, "param_regularizers.gamma",
            l => l.Backward(Shape, x, new float[x.Length], new float[x.Length], false, 0.1));
    }

    [Fact]
    public void SgdStepBeyondFloat32IsRejected()
    {
        // grad_input = grad_output * gamma / stddev stays below 1e38; grad_gamma gets 2 * l2 * gamma = 2e36 from the
        // regularizer, so a learning rate of 1e39 moves gamma by about 2e75: finite in double, far outside float32.
        var layer = Trained(Spec(gamma: 1e38));
        var x = Batch();
        var dy = Enumerable.Range(0, Shape.ElementCount).Select(i => (float)Math.Cos(i)).ToArray();

        RejectedAndUnchanged<InvalidOptionException>(layer, "apply.learning_rate", l => l.Backward(Shape, x, dy, new float[x.Length], false, 1e39));
    }

    [Theory]
    [InlineData(1e39)]
    [InlineData(-1e39)]
    [InlineData(3.5e38)]
    public void InitializersBeyondFloat32AreRejected(double value)
    {
        foreach (var (field, initializers) in new[]
                 {
                     ("param_initializers.gamma", new ParamInitializers(Gamma: ChannelValues.Of(value))),
                     ("param_initializers.beta", new ParamInitializers(Beta: ChannelValues.Of([0, value]))),
                     ("param_initializers.moving_mean", new ParamInitializers(MovingMean: ChannelValues.Of(value))),
                     ("param_initializers.moving_variance", new ParamInitializers(MovingVariance: ChannelValues.Of(Math.Abs(value)))),
                 })
        {
            var ex = Assert.Throws<InvalidOptionException>(() => LayerConfig.Resolve(Spec() with { ParamInitializers = initializers }));
            Assert.Equal(field, ex.Field);
        }
    }

    [Fact]
    public void TheLargestFloat32InitializerIsAccepted()
    {
        var config = LayerConfig.Resolve(Spec() with { ParamInitializers = new ParamInitializers(Gamma: ChannelValues.Of(-(double)float.MaxValue)) });

        Assert.Equal(-(double)float.MaxValue, new BatchNormLayer(config).CaptureState().Gamma[0]);
    }

    [Theory]
    [InlineData(1e-300)]
    [InlineData(1e-39)] // a float32 subnormal
    [InlineData(1e39)]
    [InlineData(0.0)]
    [InlineData(double.NaN)]
    public void EpsilonOutsideFloat32sNormalRangeIsRejected(double epsilon)
    {
        var ex = Assert.Throws<InvalidOptionException>(() => LayerConfig.Resolve(Spec(epsilon: epsilon)));

        Assert.Equal("epsilon", ex.Field);
    }

    [Fact]
    public void TheSmallestEpsilonNormalizesAConstantChannelToBeta()
    {
        // 1/sqrt(2^-126) is about 9.2e18, well within float32: a constant channel gives 0 * scale + beta, not NaN.
        var layer = new BatchNormLayer(LayerConfig.Resolve(Spec(epsilon: Float32Range.MinEpsilon, beta: 0.25)));
        var x = Enumerable.Repeat(5f, Shape.ElementCount).ToArray();
        var y = new float[x.Length];

        layer.Train(Shape, x, y);
        layer.Infer(Shape, x, y);

        Assert.All(y, v => Assert.True(float.IsFinite(v)));
        var trainOutput = new float[x.Length];
        new BatchNormLayer(LayerConfig.Resolve(Spec(epsilon: Float32Range.MinEpsilon, beta: 0.25))).Train(Shape, x, trainOutput);
        Assert.All(trainOutput, v => Assert.Equal(0.25f, v));
    }

    [Theory]
    [InlineData("param_regularizers.gamma.l1", 1e39, 0.0)]
    [InlineData("param_regularizers.gamma.l2", 0.0, 1e39)]
    [InlineData("param_regularizers.gamma.l2", 0.0, double.PositiveInfinity)]
    public void RegularizersBeyondFloat32AreRejected(string field, double l1, double l2)
    {
        var ex = Assert.Throws<InvalidOptionException>(() =>
            LayerConfig.Resolve(Spec() with { ParamRegularizers = new ParamRegularizers(Gamma: new L1L2(l1, l2)) }));

        Assert.Equal(field, ex.Field);
    }

    [Theory]
    [InlineData("renorm_clipping.rmax", 1e39, null, null)]
    [InlineData("renorm_clipping.rmin", null, 1e39, null)]
    [InlineData("renorm_clipping.dmax", null, null, 1e39)]
    public void ClippingBeyondFloat32IsRejected(string field, double? rmax, double? rmin, double? dmax)
    {
        var ex = Assert.Throws<InvalidOptionException>(() =>
            LayerConfig.Resolve(Spec() with { Renorm = true, RenormClipping = new RenormClipping(rmax, rmin, dmax) }));

        Assert.Equal(field, ex.Field);
    }
}
