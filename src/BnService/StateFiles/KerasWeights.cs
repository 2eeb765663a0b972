using BnEngine;
using BnService.Layers;

namespace BnService.StateFiles;

/// <summary>
/// <c>format=keras</c>: the arrays of Keras' <c>BatchNormalization.get_weights()</c> in its order, so that
/// <c>layer.set_weights([np.array(w["data"], "float32").reshape(w["shape"]) for w in doc["weights"]])</c> takes them.
/// <c>layer</c> names the layer it came from (not read on import).
/// </summary>
public sealed class KerasWeightsDocument
{
    public string? Layer { get; init; }
    public required IReadOnlyList<KerasWeight> Weights { get; init; }
}

/// <summary>One Keras weight: its variable name, <c>float32</c>, shape [C] and values.</summary>
public sealed class KerasWeight
{
    public required string Name { get; init; }
    /// <summary>Always <c>float32</c>; may be left out on import.</summary>
    public string? Dtype { get; init; }
    public required long[] Shape { get; init; }
    public required float[] Data { get; init; }
}

public static class KerasWeights
{
    public const string Float32 = "float32";

    /// <summary>
    /// gamma (with scale), beta (with center), moving_mean, moving_variance; with renorm, tf.keras 2 adds
    /// moving_stddev, renorm_mean and renorm_stddev after them (Keras 3 has no renorm). This is the order in which
    /// tf.keras 2's <c>BatchNormalization.build</c> (keras/layers/normalization/batch_normalization.py) creates its
    /// weights, which <c>get_weights()</c> returns: the trainable gamma and beta first, then the non-trainable ones.
    /// </summary>
    public static IReadOnlyList<string> Names(LayerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var names = new List<string>();
        if (config.Scale)
        {
            names.Add("gamma");
        }

        if (config.Center)
        {
            names.Add("beta");
        }

        names.AddRange(["moving_mean", "moving_variance"]);
        if (config.Renorm)
        {
            names.AddRange(["moving_stddev", "renorm_mean", "renorm_stddev"]);
        }

        return names;
    }

    public static KerasWeightsDocument Export(LayerView layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var state = layer.State;
        return new KerasWeightsDocument
        {
            Layer = layer.Config.Name,
            Weights = [.. Names(layer.Config).Select(name => Weight(name, name switch
            {
                "gamma" => state.Gamma,
                "beta" => state.Beta,
                "moving_mean" => state.MovingMean,
                "moving_variance" => state.MovingVariance,
                "moving_stddev" => state.MovingStddev,
                "renorm_mean" => state.RenormMean,
                _ => state.RenormStddev,
            }))],
        };
    }

    /// <summary>The variables of a document for this layer: exactly its names in Keras' order, shape [C], finite values.</summary>
    internal static FrameworkVariables Import(LayerConfig config, KerasWeightsDocument document)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(document);
        var expected = Names(config);
        var given = document.Weights.Select(w => w?.Name).ToList();
        if (!given.SequenceEqual(expected))
        {
            throw ImportErrors.Invalid("weights",
                $"this layer's weights are [{string.Join(", ", expected)}] in this order (Keras omits gamma without scale, beta without center), " +
                $"not [{string.Join(", ", given)}]");
        }

        var c = config.Channels;
        var values = new Dictionary<string, double[]>(StringComparer.Ordinal);
        for (var i = 0; i < expected.Count; i++)
        {
            var weight = document.Weights[i];
            var field = $"weights[{i}]";
            if (weight.Dtype is { } dtype && dtype != Float32)
            {
                throw ImportErrors.Invalid($"{field}.dtype", $"{weight.Name} has dtype '{dtype}'; the weights are {Float32}");
            }

            if (weight.Shape is not [var length] || length != c)
            {
                throw ImportErrors.Invalid($"{field}.shape", $"{weight.Name} has shape [{string.Join(", ", weight.Shape)}]; this layer's is [{c}]");
            }

            var nonNegative = weight.Name is "moving_variance" or "moving_stddev" or "renorm_stddev";
            values[weight.Name] = ImportErrors.PerChannel($"{field}.data", [.. weight.Data.Select(v => (double)v)], c, nonNegative);
        }

        return new FrameworkVariables
        {
            Gamma = values.GetValueOrDefault("gamma"),
            Beta = values.GetValueOrDefault("beta"),
            MovingMean = values["moving_mean"],
            MovingVariance = values["moving_variance"],
            MovingStddev = values.GetValueOrDefault("moving_stddev"),
            RenormMean = values.GetValueOrDefault("renorm_mean"),
            RenormStddev = values.GetValueOrDefault("renorm_stddev"),
        };
    }

    private static KerasWeight Weight(string name, double[] values) =>
        new() { Name = name, Dtype = Float32, Shape = [values.Length], Data = Float32Values.Of(name, values, "keras") };
}
