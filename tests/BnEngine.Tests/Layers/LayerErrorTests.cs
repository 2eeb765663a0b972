namespace BnEngine.Tests.Layers;

/// <summary>Bad calls raise the engine's exception family with the API field name and leave the layer exactly as it was.</summary>
public class LayerErrorTests
{
    private static readonly TensorShape Nhwc = TensorShape.Create([4, 3], "input.shape");

    private static BatchNormLayer TrainedLayer(Convention convention = Convention.TensorFlow, UpdateMode updates = UpdateMode.Deferred,
        DataFormat format = DataFormat.Nhwc)
    {
        var layer = new BatchNormLayer(LayerConfig.Resolve(new LayerSpec
        {
            Name = "bn", Channels = 3, Convention = convention, Updates = updates, DataFormat = format, Scale = true, Renorm = true,
            ParamRegularizers = new ParamRegularizers(new L1L2(0.1, 0.1), new L1L2(0.1, 0.1)),
        }));
        var shape = format == DataFormat.Nhwc ? Nhwc : TensorShape.Create([4, 3, 2], "input.shape");
        var x = Enumerable.Range(0, shape.ElementCount).Select(i => (float)Math.Sin(i)).ToArray();
        layer.Train(shape, x, new float[x.Length]);
        return layer;
    }

    private static float[] Data(int count) => Enumerable.Range(0, count).Select(i => (float)Math.Cos(i)).ToArray();

    public static TheoryData<string, string, Action<BatchNormLayer>> BadCalls => new()
    {
        { "input.shape", nameof(InvalidShapeException), l => l.Train(TensorShape.Create([12], "input.shape"), Data(12), new float[12]) },
        { "input.shape", nameof(InvalidShapeException), l => l.Train(TensorShape.Create([4, 4], "input.shape"), Data(16), new float[16]) },
        { "input.shape", nameof(InvalidShapeException), l => l.Infer(TensorShape.Create([3, 4], "input.shape"), Data(12), new float[12]) },
        { "input", nameof(InvalidShapeException), l => l.Train(Nhwc, Data(11), new float[12]) },
        { "input", nameof(NonFiniteInputException), l => l.Train(Nhwc, [.. Data(11), float.NaN], new float[12]) },
        { "input", nameof(NonFiniteInputException), l => l.Infer(Nhwc, [float.PositiveInfinity, .. Data(11)], new float[12]) },
        { "batch_weights", nameof(InvalidShapeException), l => l.Train(Nhwc, Data(12), new float[12], [1, 1, 1]) },
        { "batch_weights", nameof(InvalidOptionException), l => l.Train(Nhwc, Data(12), new float[12], [1, -1, 1, 1]) },
        { "batch_weights", nameof(InvalidOptionException), l => l.Train(Nhwc, Data(12), new float[12], [0, 0, 0, 0]) },
        { "batch_weights", nameof(NonFiniteInputException), l => l.Train(Nhwc, Data(12), new float[12], [1, float.NaN, 1, 1]) },
        { "grad_output", nameof(InvalidShapeException), l => l.Backward(Nhwc, Data(12), Data(10), new float[12], true, 0.1) },
        { "grad_output", nameof(NonFiniteInputException), l => l.Backward(Nhwc, Data(12), [.. Data(11), float.NegativeInfinity], new float[12], true, 0.1) },
        { "input", nameof(NonFiniteInputException), l => l.Backward(Nhwc, [.. Data(11), float.NaN], Data(12), new float[12], false, 0.1) },
        { "apply.learning_rate", nameof(InvalidOptionException), l => l.Backward(Nhwc, Data(12), Data(12), new float[12], true, double.NaN) },
        { "apply.learning_rate", nameof(InvalidOptionException), l => l.Backward(Nhwc, Data(12), Data(12), new float[12], true, -0.1) },
        { "apply.learning_rate", nameof(InvalidOptionException), l => l.Backward(Nhwc, Data(12), Data(12), new float[12], true, 1e308) },
    };

    [Theory]
    [MemberData(nameof(BadCalls))]
    public void RejectedCallNamesTheFieldAndChangesNothing(string field, string exceptionType, Action<BatchNormLayer> call)
    {
        var layer = TrainedLayer();
        var before = layer.CaptureState();

        var ex = Assert.ThrowsAny<BatchNormException>(() => call(layer));

        Assert.Equal(field, ex.Field);
        Assert.Equal(exceptionType, ex.GetType().Name);
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
        StateAssert.Same(before, layer.CaptureState());
    }

    [Fact]
    public void NchwChecksAxisOne()
    {
        var layer = TrainedLayer(format: DataFormat.Nchw);

        var ex = Assert.Throws<InvalidShapeException>(() => layer.Infer(TensorShape.Create([4, 2, 3], "input.shape"), Data(24), new float[24]));

        Assert.Equal("input.shape", ex.Field);
        Assert.Contains("NCHW", ex.Message);
    }

    [Fact]
    public void WrongOutputBufferIsAProgrammingError()
    {
        var layer = TrainedLayer();
        var before = layer.CaptureState();

        Assert.Throws<ArgumentException>(() => layer.Train(Nhwc, Data(12), new float[11]));

        StateAssert.Same(before, layer.CaptureState());
    }

    [Fact]
    public void EveryStateChangeCountsOneVersion()
    {
        var layer = TrainedLayer(); // deferred, version 1 after one train
        Assert.Equal(1, layer.CaptureState().Version);

        layer.Infer(Nhwc, Data(12), new float[12]);
        layer.Backward(Nhwc, Data(12), Data(12), new float[12], true, learningRate: null);
        Assert.Equal(1, layer.CaptureState().Version);

        layer.Backward(Nhwc, Data(12), Data(12), new float[12], true, learningRate: 0.1);
        Assert.Equal(2, layer.CaptureState().Version);

        layer.Commit();
        Assert.Equal(3, layer.CaptureState().Version);

        layer.Train(Nhwc, Data(12), new float[12]);
        Assert.Equal(4, layer.CaptureState().Version);

        layer.Reset();
        Assert.Equal(5, layer.CaptureState().Version);
    }

    [Fact]
    public void DeferredUpdatesWaitForCommitInArrivalOrder()
    {
        var deferred = TrainedLayer(updates: UpdateMode.Deferred);
        var inPlace = TrainedLayer(updates: UpdateMode.InPlace);
        var initial = new BatchNormLayer(deferred.Config).CaptureState();
        Assert.Equal(initial.MovingMean, deferred.CaptureState().MovingMean);

        var second = Data(12);
        var result = deferred.Train(Nhwc, second, new float[12]);
        inPlace.Train(Nhwc, second, new float[12]);
        Assert.Equal(2, result.PendingUpdates);
        Assert.Equal(2, result.Step);
        Assert.Equal(initial.MovingVariance, deferred.CaptureState().MovingVariance);

        deferred.Commit();

        var committed = deferred.CaptureState();
        var direct = inPlace.CaptureState();
        Assert.Empty(committed.Pending);
        Assert.Equal(direct.MovingMean, committed.MovingMean);
        Assert.Equal(direct.MovingVariance, committed.MovingVariance);
        Assert.Equal(direct.RenormMean, committed.RenormMean);
        Assert.Equal(direct.RenormStddev, committed.RenormStddev);
    }

    [Fact]
    public void NotTrainableApplyReturnsGradientsAndKeepsParameters()
    {
        var layer = new BatchNormLayer(LayerConfig.Resolve(new LayerSpec { Name = "bn", Channels = 3, Convention = Convention.Keras, Trainable = false }));
        var before = layer.CaptureState();

        var grads = layer.Backward(Nhwc, Data(12), Data(12), new float[12], true, learningRate: 0.5);

        Assert.Contains(grads.GradBeta, g => g != 0);
        StateAssert.Same(before, layer.CaptureState());
    }
}
