namespace BnEngine.Tests.Layers;

/// <summary>
/// <see cref="BatchNormLayer.Train"/> with the output written over the input: the same answer, statistics and state,
/// bit for bit, as into a separate array, on every path that writes the output (vector and parallel, NHWC and NCHW,
/// activations, the checked path of a weighted batch, renorm). An output that overlaps the input otherwise is refused.
/// </summary>
public sealed class TrainInPlaceTests
{
    public static TheoryData<string> Cases => ["nhwc", "nhwc_parallel", "nchw", "relu", "selu", "weighted", "renorm", "odd_channels"];

    [Theory]
    [MemberData(nameof(Cases))]
    public void AnswerOverTheBatchIsTheAnswerBesideIt(string kind)
    {
        var channels = kind == "odd_channels" ? 13 : 64;
        var spec = new LayerSpec { Name = "p", Channels = channels, Scale = true, Decay = new Decay(0.9) };
        spec = kind switch
        {
            "nchw" => spec with { DataFormat = DataFormat.Nchw },
            "relu" => spec with { Activation = Activation.Relu },
            "selu" => spec with { Activation = Activation.Selu },
            "renorm" => spec with { Renorm = true },
            _ => spec,
        };
        long[] dims = kind switch
        {
            "nhwc_parallel" => [16384, channels],
            "nchw" => [8, channels, 5, 7],
            _ => [96, channels],
        };
        var shape = TensorShape.Create(dims, "input.shape");
        var weights = kind == "weighted" ? Enumerable.Range(0, (int)dims[0]).Select(i => (float)(i % 3)).ToArray() : null;
        var beside = new BatchNormLayer(LayerConfig.Resolve(spec));
        var over = new BatchNormLayer(LayerConfig.Resolve(spec));
        var random = new Random(11);
        for (var step = 0; step < 3; step++)
        {
            var batch = Enumerable.Range(0, shape.ElementCount).Select(_ => (float)(random.NextDouble() * 6 - 2)).ToArray();
            var expected = new float[batch.Length];
            var expectedResult = beside.Train(shape, batch, expected, weights);
            var inPlace = (float[])batch.Clone();
            var result = over.Train(shape, inPlace, inPlace, weights);

            Assert.Equal(expected, inPlace);
            Assert.Equal(expectedResult.BatchMean, result.BatchMean);
            Assert.Equal(expectedResult.BatchVariance, result.BatchVariance);
            Assert.Equal(expectedResult.Step, result.Step);
        }

        var a = beside.CaptureState();
        var b = over.CaptureState();
        Assert.Equal(a.MovingMean, b.MovingMean);
        Assert.Equal(a.MovingVariance, b.MovingVariance);
        Assert.Equal(a.Gamma, b.Gamma);
        Assert.Equal(a.Beta, b.Beta);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    public void AnOutputOverlappingTheInputOtherwiseIsRefusedAndChangesNothing(int inputStart, int outputStart)
    {
        var layer = new BatchNormLayer(LayerConfig.Resolve(new LayerSpec { Name = "p", Channels = 4 }));
        var shape = TensorShape.Create([16, 4], "input.shape");
        var buffer = Enumerable.Range(0, 65).Select(i => (float)i).ToArray();
        var before = layer.CaptureState();

        var refused = Assert.Throws<ArgumentException>(() =>
            layer.Train(shape, new ReadOnlySpan<float>(buffer, inputStart, 64), buffer.AsSpan(outputStart, 64)));

        Assert.Equal("output", refused.ParamName);
        Assert.Equal(before.Step, layer.CaptureState().Step);
        Assert.Equal(Enumerable.Range(0, 65).Select(i => (float)i), buffer);
    }
}
