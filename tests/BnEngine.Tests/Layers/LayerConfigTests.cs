namespace BnEngine.Tests.Layers;

public class LayerConfigTests
{
    private static LayerSpec Spec(Convention? convention = null) => new() { Name = "enc.block1.bn", Channels = 3, Convention = convention };

    [Theory]
    [InlineData(null, 0.999, false, 1e-3)]
    [InlineData(Convention.TensorFlow, 0.999, false, 1e-3)]
    [InlineData(Convention.Keras, 0.99, true, 1e-3)]
    [InlineData(Convention.PyTorch, 0.9, true, 1e-5)]
    public void FillsConventionDefaults(Convention? convention, double decay, bool scale, double epsilon)
    {
        var config = LayerConfig.Resolve(Spec(convention));

        Assert.Equal(convention ?? Convention.TensorFlow, config.Convention);
        Assert.Equal(decay, config.Decay);
        Assert.Equal(scale, config.Scale);
        Assert.True(config.Center);
        Assert.Equal(epsilon, config.Epsilon);
        Assert.Equal(DataFormat.Nhwc, config.DataFormat);
        Assert.Equal(Activation.None, config.Activation);
        Assert.Equal(UpdateMode.InPlace, config.Updates);
        Assert.True(config.Trainable);
        Assert.Null(config.Fused);
        Assert.Equal(VarianceCorrection.Auto, config.MovingVarianceCorrection);
        Assert.False(config.UseNumUpdates);
        Assert.False(config.ZeroDebiasMovingMean);
        Assert.False(config.Renorm);
        Assert.Null(config.RenormClipping);
        Assert.Equal(0.99, config.RenormDecay);
        Assert.Empty(config.Collections);
        Assert.Equal([0.0, 0, 0], config.ParamInitializers.Beta!.Expand(3));
        Assert.Equal([1.0, 1, 1], config.ParamInitializers.Gamma!.Expand(3));
        Assert.Equal([0.0, 0, 0], config.ParamInitializers.MovingMean!.Expand(3));
        Assert.Equal([1.0, 1, 1], config.ParamInitializers.MovingVariance!.Expand(3));
        Assert.Null(config.ParamRegularizers.Beta);
        Assert.Null(config.ParamRegularizers.Gamma);
    }

    [Fact]
    public void KeepsEverySetField()
    {
        var spec = new LayerSpec
        {
            Name = "a", Channels = 2, DataFormat = DataFormat.Nchw, Convention = Convention.Keras, Decay = Decay.Cumulative,
            Center = false, Scale = false, Epsilon = 0.5, Activation = Activation.Selu,
            ParamInitializers = new ParamInitializers(Gamma: ChannelValues.Of([2.0, 3.0])),
            ParamRegularizers = new ParamRegularizers(Gamma: new L1L2(0.1, 0.2)), Updates = UpdateMode.Deferred, Trainable = false,
            Fused = false, MovingVarianceCorrection = VarianceCorrection.Unbiased, Renorm = true,
            RenormClipping = new RenormClipping(RMax: 3, DMax: 5), RenormDecay = 0.5, Collections = ["x", "y"],
        };

        var config = LayerConfig.Resolve(spec);

        Assert.Null(config.Decay);
        Assert.Equal(DataFormat.Nchw, config.DataFormat);
        Assert.False(config.Center);
        Assert.False(config.Scale);
        Assert.Equal(0.5, config.Epsilon);
        Assert.Equal(Activation.Selu, config.Activation);
        Assert.Equal([2.0, 3.0], config.ParamInitializers.Gamma!.Expand(2));
        Assert.Equal(new L1L2(0.1, 0.2), config.ParamRegularizers.Gamma);
        Assert.Equal(UpdateMode.Deferred, config.Updates);
        Assert.False(config.Trainable);
        Assert.False(config.Fused);
        Assert.Equal(VarianceCorrection.Unbiased, config.MovingVarianceCorrection);
        Assert.True(config.Renorm);
        Assert.Equal(new RenormClipping(RMax: 3, DMax: 5), config.RenormClipping);
        Assert.Equal(0.5, config.RenormDecay);
        Assert.Equal(["x", "y"], config.Collections);
    }

    public static TheoryData<string, LayerSpec> InvalidSpecs => new()
    {
        { "name", Spec() with { Name = "" } },
        { "name", Spec() with { Name = "_x" } },
        { "name", Spec() with { Name = "a/b" } },
        { "name", Spec() with { Name = "a\n" } },
        { "name", Spec() with { Name = new string('a', 129) } },
        { "channels", Spec() with { Channels = 0 } },
        { "channels", Spec() with { Channels = 65537 } },
        { "decay", Spec() with { Decay = new Decay(1.5) } },
        { "decay", Spec() with { Decay = new Decay(-0.1) } },
        { "decay", Spec() with { Decay = new Decay(double.NaN) } },
        { "epsilon", Spec() with { Epsilon = 0 } },
        { "epsilon", Spec() with { Epsilon = double.PositiveInfinity } },
        { "use_num_updates", Spec() with { UseNumUpdates = true, Decay = Decay.Cumulative } },
        { "zero_debias_moving_mean", Spec() with { ZeroDebiasMovingMean = true, Decay = new Decay(1) } },
        { "param_initializers.gamma", Spec() with { ParamInitializers = new ParamInitializers(Gamma: ChannelValues.Of([1.0, 2.0])) } },
        { "param_initializers.beta", Spec() with { ParamInitializers = new ParamInitializers(Beta: ChannelValues.Of(double.NaN)) } },
        { "param_initializers.moving_mean", Spec() with { ParamInitializers = new ParamInitializers(MovingMean: ChannelValues.Of([0, double.PositiveInfinity, 0])) } },
        { "param_initializers.moving_variance", Spec() with { ParamInitializers = new ParamInitializers(MovingVariance: ChannelValues.Of(-1)) } },
        { "param_regularizers.gamma.l1", Spec() with { ParamRegularizers = new ParamRegularizers(Gamma: new L1L2(-1, 0)) } },
        { "param_regularizers.beta.l2", Spec() with { ParamRegularizers = new ParamRegularizers(Beta: new L1L2(0, double.NaN)) } },
        { "renorm_decay", Spec() with { RenormDecay = 2 } },
        { "renorm_clipping.rmax", Spec() with { RenormClipping = new RenormClipping(RMax: 1, RMin: 2) } },
        { "renorm_clipping.dmax", Spec() with { RenormClipping = new RenormClipping(DMax: -1) } },
        { "renorm_clipping.rmin", Spec() with { RenormClipping = new RenormClipping(RMin: -1) } },
        { "collections", Spec() with { Collections = ["ok", ""] } },
        { "data_format", Spec() with { DataFormat = (DataFormat)9 } },
        { "activation", Spec() with { Activation = (Activation)99 } },
    };

    [Theory]
    [MemberData(nameof(InvalidSpecs))]
    public void RejectsWithApiFieldName(string field, LayerSpec spec)
    {
        var ex = Assert.Throws<InvalidOptionException>(() => LayerConfig.Resolve(spec));

        Assert.Equal(field, ex.Field);
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("encoder.block1.bn")]
    [InlineData("A-b_c.9")]
    public void AcceptsValidNames(string name) => Assert.Equal(name, LayerConfig.Resolve(Spec() with { Name = name }).Name);

    [Fact]
    public void AcceptsLongestName() => LayerConfig.Resolve(Spec() with { Name = new string('a', 128) });

    [Fact]
    public void SameAsComparesValues()
    {
        var a = LayerConfig.Resolve(Spec() with { Collections = ["x"], ParamInitializers = new ParamInitializers(Gamma: ChannelValues.Of(2)) });
        var b = LayerConfig.Resolve(Spec() with { Collections = new List<string> { "x" }, ParamInitializers = new ParamInitializers(Gamma: ChannelValues.Of([2.0, 2, 2])) });

        Assert.True(a.SameAs(b));
        Assert.True(a.SameAs(LayerConfig.Resolve(Spec() with { Collections = ["x"], ParamInitializers = new ParamInitializers(Gamma: ChannelValues.Of(2)) })));
        Assert.False(a.SameAs(a with { Epsilon = 0.5 }));
        Assert.False(a.SameAs(a with { Collections = ["y"] }));
        Assert.False(a.SameAs(LayerConfig.Resolve(Spec() with { Collections = ["x"] })));
    }

    [Fact]
    public void ExplicitDefaultsResolveToTheSameConfig()
    {
        var implicitConfig = LayerConfig.Resolve(Spec(Convention.PyTorch));
        var explicitConfig = LayerConfig.Resolve(Spec(Convention.PyTorch) with { Decay = new Decay(0.9), Epsilon = 1e-5, Scale = true });

        Assert.True(implicitConfig.SameAs(explicitConfig));
    }
}
