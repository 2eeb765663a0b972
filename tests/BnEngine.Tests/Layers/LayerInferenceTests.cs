namespace BnEngine.Tests.Layers;

/// <summary>
/// <see cref="LayerInference"/>: bit for bit <see cref="BatchNormLayer.Infer"/> at the state it was taken at, whatever
/// the layer does afterwards, and the same errors for a bad call.
/// </summary>
public sealed class LayerInferenceTests
{
    public static TheoryData<DataFormat, Activation, Convention> Configs => new()
    {
        { DataFormat.Nhwc, Activation.None, Convention.TensorFlow },
        { DataFormat.Nchw, Activation.None, Convention.PyTorch },
        { DataFormat.Nhwc, Activation.Relu, Convention.Keras },
        { DataFormat.Nchw, Activation.Selu, Convention.TensorFlow },
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void InfersAsTheLayerDidWhenItWasTakenAfterTheLayerMovesOn(DataFormat format, Activation activation, Convention convention)
    {
        var layer = new BatchNormLayer(LayerConfig.Resolve(new LayerSpec
        {
            Name = "l", Channels = 5, DataFormat = format, Activation = activation, Convention = convention, Scale = true, Decay = new Decay(0.7),
        }));
        var shape = TensorShape.Create(format == DataFormat.Nchw ? new[] { 4, 5, 3, 3 } : new[] { 4, 3, 3, 5 }, "input.shape");
        var random = new Random(7);
        float[] Batch() => [.. Enumerable.Range(0, shape.ElementCount).Select(_ => (float)(random.NextDouble() * 6 - 2))];
        var scratch = new float[shape.ElementCount];
        layer.Train(shape, Batch(), scratch);
        layer.Backward(shape, Batch(), Batch(), scratch, isTraining: true, learningRate: 0.1);

        var probe = Batch();
        var expected = new float[probe.Length];
        layer.Infer(shape, probe, expected);
        var inference = layer.CaptureInference();

        layer.Train(shape, Batch(), scratch);
        layer.Backward(shape, Batch(), Batch(), scratch, isTraining: true, learningRate: 0.1);
        var later = new float[probe.Length];
        layer.Infer(shape, probe, later);
        Assert.NotEqual(expected, later);

        var actual = new float[probe.Length];
        inference.Infer(shape, probe, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void RejectsWhatTheLayerRejects()
    {
        var layer = new BatchNormLayer(LayerConfig.Resolve(new LayerSpec { Name = "l", Channels = 3 }));
        var inference = layer.CaptureInference();
        var shape = TensorShape.Create([2, 3], "input.shape");
        var wrongChannels = TensorShape.Create([2, 4], "input.shape");
        float[] bad = [1, float.NaN, 3, 4, 5, 6];

        var fromLayer = Assert.ThrowsAny<BatchNormException>(() => layer.Infer(wrongChannels, new float[8], new float[8]));
        var fromInference = Assert.ThrowsAny<BatchNormException>(() => inference.Infer(wrongChannels, new float[8], new float[8]));
        Assert.Equal((fromLayer.Message, fromLayer.Field), (fromInference.Message, fromInference.Field));

        fromLayer = Assert.ThrowsAny<BatchNormException>(() => layer.Infer(shape, bad, new float[6]));
        fromInference = Assert.ThrowsAny<BatchNormException>(() => inference.Infer(shape, bad, new float[6]));
        Assert.Equal((fromLayer.Message, fromLayer.Field), (fromInference.Message, fromInference.Field));
    }
}
