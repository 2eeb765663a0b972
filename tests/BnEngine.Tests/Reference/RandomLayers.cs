namespace BnEngine.Tests.Reference;

/// <summary>Seeded random configurations, shapes and data for the property tests.</summary>
public sealed class RandomLayers(int seed)
{
    private static readonly Activation[] AllActivations = Enum.GetValues<Activation>();

    public Random Random { get; } = new(seed);

    public LayerConfig Config(Activation[]? activations = null, bool regularizers = true)
    {
        var r = Random;
        var channels = r.Next(1, 6);
        var decay = r.Next(4) switch { 0 => (Decay?)null, 1 => Decay.Cumulative, _ => new Decay(Math.Round(0.5 + 0.49 * r.NextDouble(), 3)) };
        var numericDecay = decay is not { IsCumulative: true };
        var renorm = r.Next(3) == 0;
        return LayerConfig.Resolve(new LayerSpec
        {
            Name = $"layer{seed}",
            Channels = channels,
            DataFormat = Pick(DataFormat.Nhwc, DataFormat.Nchw),
            Convention = Pick<Convention?>(null, Convention.TensorFlow, Convention.Keras, Convention.PyTorch),
            Decay = decay,
            UseNumUpdates = numericDecay && r.Next(3) == 0,
            ZeroDebiasMovingMean = r.Next(3) == 0,
            Center = Pick<bool?>(null, true, false),
            Scale = Pick<bool?>(null, true, false),
            Epsilon = Pick<double?>(null, 1e-3, 1e-5, 0.1),
            Activation = Pick(activations ?? AllActivations),
            ParamInitializers = new ParamInitializers(
                Beta: Values(channels, -1, 1),
                Gamma: Values(channels, -2, 2),
                MovingMean: Values(channels, -1, 1),
                MovingVariance: Values(channels, 0.2, 3)),
            ParamRegularizers = regularizers && r.Next(2) == 0
                ? new ParamRegularizers(new L1L2(0.01 * r.Next(3), 0.05 * r.Next(3)), new L1L2(0.02 * r.Next(3), 0.1 * r.Next(3)))
                : null,
            Updates = Pick<UpdateMode?>(null, UpdateMode.InPlace, UpdateMode.Deferred),
            Trainable = Pick<bool?>(null, true, false),
            Fused = Pick<bool?>(null, true, false),
            MovingVarianceCorrection = Pick<VarianceCorrection?>(null, VarianceCorrection.Auto, VarianceCorrection.Biased, VarianceCorrection.Unbiased),
            Renorm = renorm,
            RenormClipping = renorm && r.Next(2) == 0 ? new RenormClipping(RMax: Pick<double?>(null, 1.2, 3), RMin: Pick<double?>(null, 0.8, 0.3), DMax: Pick<double?>(null, 0.5, 2)) : null,
            RenormDecay = Pick<double?>(null, 0.9, 0.5),
        });
    }

    /// <summary>A rank 2..5 shape for <paramref name="config"/> with at least two values per channel.</summary>
    public int[] Shape(LayerConfig config)
    {
        while (true)
        {
            var rank = Random.Next(2, 6);
            var dims = new int[rank];
            for (var i = 0; i < rank; i++)
            {
                dims[i] = Random.Next(1, i == 0 ? 6 : 4);
            }

            dims[config.DataFormat == DataFormat.Nhwc ? rank - 1 : 1] = config.Channels;
            var perChannel = dims.Aggregate(1, (a, b) => a * b) / config.Channels;
            if (perChannel >= 2)
            {
                return dims;
            }
        }
    }

    /// <summary>Float32 values (the engine's input) around a random offset, occasionally around 1e4 (hostile).</summary>
    public float[] Data(int count)
    {
        var offset = Random.Next(5) switch { 0 => 1e4, 1 => 3.0, 2 => -2.0, _ => 0.0 };
        var spread = Random.Next(2) == 0 ? 1.0 : 0.25 + 3 * Random.NextDouble();
        var data = new float[count];
        for (var i = 0; i < count; i++)
        {
            data[i] = (float)(offset + spread * Gaussian());
        }

        return data;
    }

    /// <summary>batch_weights: non-negative, some zero, at least one positive.</summary>
    public float[] Weights(int batch)
    {
        var w = new float[batch];
        for (var i = 0; i < batch; i++)
        {
            w[i] = Random.Next(4) == 0 ? 0 : (float)(0.1 + 2 * Random.NextDouble());
        }

        w[Random.Next(batch)] = 1.5f;
        return w;
    }

    public T Pick<T>(params T[] choices) => choices[Random.Next(choices.Length)];

    private ChannelValues? Values(int channels, double min, double max) => Random.Next(3) switch
    {
        0 => null,
        1 => ChannelValues.Of(Math.Round(min + (max - min) * Random.NextDouble(), 3)),
        _ => ChannelValues.Of(Enumerable.Range(0, channels).Select(_ => Math.Round(min + (max - min) * Random.NextDouble(), 3)).ToArray()),
    };

    private double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - Random.NextDouble())) * Math.Cos(2 * Math.PI * Random.NextDouble());
}
