namespace BnEngine.Tests.Layers;

/// <summary>NaN and infinities are found wherever they are, whatever the mode, activation or weights, and change nothing.</summary>
public class NonFiniteInputTests
{
    private static readonly TensorShape Shape = TensorShape.Create([3, 2, 5], "input.shape");
    private static readonly float[] BadValues = [float.NaN, float.PositiveInfinity, float.NegativeInfinity];

    public static TheoryData<Activation, bool, string, int> Cases()
    {
        var data = new TheoryData<Activation, bool, string, int>();
        foreach (var activation in new[] { Activation.None, Activation.Relu, Activation.Sigmoid })
        {
            foreach (var isTraining in new[] { true, false })
            {
                foreach (var field in new[] { "input", "grad_output" })
                {
                    foreach (var index in new[] { 0, 17, 29 })
                    {
                        data.Add(activation, isTraining, field, index);
                    }
                }
            }
        }

        return data;
    }

    private static BatchNormLayer Layer(Activation activation) => new(LayerConfig.Resolve(new LayerSpec
    {
        Name = "bn", Channels = 2, DataFormat = DataFormat.Nchw, Convention = Convention.Keras, Activation = activation,
        // Gamma 0 on one channel: its activation derivative and affine scale vanish, which must not hide a bad value.
        ParamInitializers = new ParamInitializers(Gamma: ChannelValues.Of([0.0, 1.0]), Beta: ChannelValues.Of(-100)),
    }));

    private static float[] Data() => Enumerable.Range(0, Shape.ElementCount).Select(i => (float)Math.Sin(i + 1)).ToArray();

    [Theory]
    [MemberData(nameof(Cases))]
    public void BackwardFindsTheBadValue(Activation activation, bool isTraining, string field, int index)
    {
        foreach (var bad in BadValues)
        {
            var layer = Layer(activation);
            var input = Data();
            var gradOutput = new float[Shape.ElementCount]; // zeros: nothing multiplies a bad input away
            (field == "input" ? input : gradOutput)[index] = bad;
            var before = layer.CaptureState();

            var ex = Assert.Throws<NonFiniteInputException>(() => layer.Backward(Shape, input, gradOutput, new float[input.Length], isTraining, 0.1));

            Assert.Equal(field, ex.Field);
            Assert.Contains($"index {index}", ex.Message);
            Assert.Equal(before.Gamma, layer.CaptureState().Gamma);
            Assert.Equal(before.Version, layer.CaptureState().Version);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(13)]
    [InlineData(29)]
    public void TrainFindsTheBadValueEvenUnderAZeroWeight(int index)
    {
        foreach (var bad in BadValues)
        {
            var layer = Layer(Activation.Relu);
            var input = Data();
            input[index] = bad;
            var batch = index / 10;
            var weights = new float[] { 1, 1, 1 };
            weights[batch] = 0;

            var ex = Assert.Throws<NonFiniteInputException>(() => layer.Train(Shape, input, new float[input.Length], weights));

            Assert.Equal("input", ex.Field);
            Assert.Equal(0, layer.CaptureState().Version);
            Assert.Throws<NonFiniteInputException>(() => layer.Train(Shape, input, new float[input.Length]));
            Assert.Throws<NonFiniteInputException>(() => layer.Infer(Shape, input, new float[input.Length]));
            Assert.Equal(0, layer.CaptureState().Step);
        }
    }
}
