namespace BnEngine.Tests.Layers;

/// <summary>
/// <see cref="BatchNormLayer.CaptureSharedState"/> shares the layer's arrays, so it is right only if no change of the
/// layer ever writes into an array of its current state: each change here must leave an earlier shared capture equal
/// to the deep copy taken with it, for every kind of moving update.
/// </summary>
public sealed class SharedStateTests
{
    public static TheoryData<string> Kinds => ["immediate", "deferred", "renorm", "zero_debias", "keras"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void NoChangeWritesIntoAnEarlierSharedCapture(string kind)
    {
        var spec = new LayerSpec { Name = "s", Channels = 4, Scale = true, Decay = new Decay(0.9) };
        spec = kind switch
        {
            "deferred" => spec with { Updates = UpdateMode.Deferred },
            "renorm" => spec with { Renorm = true },
            "zero_debias" => spec with { ZeroDebiasMovingMean = true },
            "keras" => spec with { Convention = Convention.Keras },
            _ => spec,
        };
        var layer = new BatchNormLayer(LayerConfig.Resolve(spec));
        var shape = TensorShape.Create([6, 4], "input.shape");
        var random = new Random(3);
        float[] Batch() => [.. Enumerable.Range(0, shape.ElementCount).Select(_ => (float)(random.NextDouble() * 4 - 1))];
        var scratch = new float[shape.ElementCount];
        var changes = new Action[]
        {
            () => layer.Train(shape, Batch(), scratch),
            () => layer.Train(shape, Batch(), scratch),
            () => layer.Backward(shape, Batch(), Batch(), scratch, isTraining: true, learningRate: 0.05),
            () => layer.Commit(),
            () => layer.Train(shape, Batch(), scratch),
            () => layer.Reset(),
            () => layer.Train(shape, Batch(), scratch),
        };

        var captures = new List<(LayerState Shared, LayerState Deep)>();
        foreach (var change in changes)
        {
            captures.Add((layer.CaptureSharedState(), layer.CaptureState()));
            change();
            foreach (var (shared, deep) in captures)
            {
                StateAssert.Same(deep, shared);
            }
        }

        StateAssert.Same(layer.CaptureState(), layer.CaptureSharedState());
    }
}
