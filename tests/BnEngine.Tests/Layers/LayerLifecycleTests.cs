namespace BnEngine.Tests.Layers;

public class LayerLifecycleTests
{
    private static LayerConfig Config(UpdateMode updates = UpdateMode.InPlace, bool scale = true, bool center = true) => LayerConfig.Resolve(new LayerSpec
    {
        Name = "bn", Channels = 2, Convention = Convention.Keras, Scale = scale, Center = center, Updates = updates,
        ParamInitializers = new ParamInitializers(Beta: ChannelValues.Of([0.5, -0.5]), Gamma: ChannelValues.Of(2),
            MovingMean: ChannelValues.Of([1.0, 2.0]), MovingVariance: ChannelValues.Of([4.0, 9.0])),
    });

    [Fact]
    public void FreshLayerStartsAtItsInitializers()
    {
        var layer = new BatchNormLayer(Config());
        var state = layer.CaptureState();

        Assert.Equal(0, state.Step);
        Assert.Equal(0, state.Version);
        Assert.Equal([2.0, 2.0], state.Gamma);
        Assert.Equal([0.5, -0.5], state.Beta);
        Assert.Equal([1.0, 2.0], state.MovingMean);
        Assert.Equal([4.0, 9.0], state.MovingVariance);
        Assert.Equal([1.0, 2.0], state.RenormMean);
        Assert.Equal([2.0, 3.0], state.RenormStddev);
        Assert.Equal([2.0, 3.0], state.MovingStddev);
        Assert.Equal([0.0, 0.0], state.BiasedMovingMean);
        Assert.Empty(state.Pending);
    }

    [Fact]
    public void WithoutScaleAndCenterGammaAndBetaAreConstants()
    {
        var state = new BatchNormLayer(Config(scale: false, center: false)).CaptureState();

        Assert.Equal([1.0, 1.0], state.Gamma);
        Assert.Equal([0.0, 0.0], state.Beta);
    }

    [Fact]
    public void CaptureStateIsADeepCopy()
    {
        var layer = new BatchNormLayer(Config(UpdateMode.Deferred));
        var state = layer.CaptureState();
        state.Gamma[0] = 99;
        state.MovingMean[1] = 99;
        state.Step = 7;
        state.Pending.Add(new PendingUpdate([1, 1], [1, 1], [1, 1]));

        var again = layer.CaptureState();
        Assert.Equal([2.0, 2.0], again.Gamma);
        Assert.Equal([1.0, 2.0], again.MovingMean);
        Assert.Equal(0, again.Step);
        Assert.Empty(again.Pending);
    }

    [Fact]
    public void RestoredLayerHoldsACopyOfTheGivenState()
    {
        var config = Config(UpdateMode.Deferred);
        var state = new BatchNormLayer(config).CaptureState();
        state.Step = 5;
        state.Version = 9;
        state.MovingMean = [3, 4];
        state.Pending.Add(new PendingUpdate([1, 2], [3, 4], [5, 6]));

        var layer = new BatchNormLayer(config, state);
        state.MovingMean[0] = 100;
        state.Pending[0].Mean[0] = 100;
        var restored = layer.CaptureState();

        Assert.Equal(5, restored.Step);
        Assert.Equal(9, restored.Version);
        Assert.Equal([3.0, 4.0], restored.MovingMean);
        Assert.Equal([1.0, 2.0], Assert.Single(restored.Pending).Mean);
        Assert.Same(config, layer.Config);
    }

    [Fact]
    public void RestoreRejectsStateThatDoesNotFitTheConfig()
    {
        var config = Config();
        var state = new BatchNormLayer(config).CaptureState();

        Assert.ThrowsAny<ArgumentException>(() => new BatchNormLayer(config, Modify(state, s => s.Gamma = [1.0])));
        Assert.ThrowsAny<ArgumentException>(() => new BatchNormLayer(config, Modify(state, s => s.MovingVariance = [1.0, -1.0])));
        Assert.ThrowsAny<ArgumentException>(() => new BatchNormLayer(config, Modify(state, s => s.Beta = [double.NaN, 0])));
        Assert.ThrowsAny<ArgumentException>(() => new BatchNormLayer(config, Modify(state, s => s.Step = -1)));
        Assert.ThrowsAny<ArgumentException>(() => new BatchNormLayer(config, Modify(state, s => s.Pending.Add(new PendingUpdate([0, 0], [1, 1], [1, 1])))));
    }

    [Fact]
    public void ResetReturnsToTheInitializersAndCountsAVersion()
    {
        var config = Config(UpdateMode.Deferred);
        var state = new BatchNormLayer(config).CaptureState();
        state.Step = 3;
        state.Version = 4;
        state.Gamma = [7, 7];
        state.Pending.Add(new PendingUpdate([1, 2], [3, 4], [5, 6]));
        var layer = new BatchNormLayer(config, state);

        layer.Reset();

        var after = layer.CaptureState();
        Assert.Equal(0, after.Step);
        Assert.Equal(5, after.Version);
        Assert.Equal([2.0, 2.0], after.Gamma);
        Assert.Empty(after.Pending);
    }

    private static LayerState Modify(LayerState state, Action<LayerState> change)
    {
        var copy = new BatchNormLayer(Config(), state).CaptureState();
        change(copy);
        return copy;
    }
}
