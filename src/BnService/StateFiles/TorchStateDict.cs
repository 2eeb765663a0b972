using System.Buffers.Binary;
using BnEngine;
using BnService.Layers;

namespace BnService.StateFiles;

/// <summary>
/// A layer as <c>torch.nn.BatchNorm{1,2,3}d(C).state_dict()</c> in a safetensors file: <c>weight</c> and
/// <c>bias</c> (gamma and beta; torch has both or, with affine=False, neither: a layer with only one of scale and
/// center carries the other at its fixed value, ones for weight and zeros for bias, so the file loads into a default
/// BatchNorm and computes the same), <c>running_mean</c>
/// and <c>running_var</c> (F32 [C]) and <c>num_batches_tracked</c> (I64, shape [], a 0-dim tensor): the updates
/// applied so far.
/// </summary>
public static class TorchStateDict
{
    public const string Weight = "weight";
    public const string Bias = "bias";
    public const string RunningMean = "running_mean";
    public const string RunningVar = "running_var";
    public const string NumBatchesTracked = "num_batches_tracked";

    /// <summary>The tensor names this layer's file carries, in the file's order.</summary>
    public static IReadOnlyList<string> Names(LayerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var names = new List<string>();
        if (config.Scale || config.Center)
        {
            names.Add(Weight);
            names.Add(Bias);
        }

        names.AddRange([RunningMean, RunningVar, NumBatchesTracked]);
        return names;
    }

    public static byte[] Export(LayerView layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var (config, state) = (layer.Config, layer.State);
        var tensors = Names(config).Select(name => name switch
        {
            Weight => Floats(name, state.Gamma),
            Bias => Floats(name, state.Beta),
            RunningMean => Floats(name, state.MovingMean),
            RunningVar => Floats(name, state.MovingVariance),
            _ => Counter(name, state.UpdatesApplied),
        }).ToList();
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["layer"] = config.Name };
        return SafetensorsFile.Write(tensors, metadata);
    }

    /// <summary>The variables of a file for this layer: exactly its names, dtypes and shapes, finite values.</summary>
    internal static FrameworkVariables Import(LayerConfig config, ReadOnlySpan<byte> file)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (tensors, _) = SafetensorsFile.Read(file);
        var expected = Names(config);
        var missing = expected.Where(n => !tensors.ContainsKey(n)).ToList();
        var extra = tensors.Keys.Where(n => !expected.Contains(n)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0 || extra.Count > 0)
        {
            throw ImportErrors.Invalid("body", $"this layer's file holds exactly {string.Join(", ", expected)}" +
                (missing.Count > 0 ? $"; missing: {string.Join(", ", missing)}" : "") +
                (extra.Count > 0 ? $"; not expected: {string.Join(", ", extra)}" : "") +
                (config.Scale && config.Center ? "" : " (weight and bias unless both scale and center are off, as torch's affine)"));
        }

        var c = config.Channels;
        double[]? Affine(string name, bool trained, double fixedValue)
        {
            if (!tensors.TryGetValue(name, out var tensor))
            {
                return null;
            }

            var values = PerChannel(tensor, c, nonNegative: false);
            if (!trained && values.Any(v => v != fixedValue))
            {
                throw ImportErrors.Invalid("body", $"{name} must be all {fixedValue} for this layer ({(name == Weight ? "scale" : "center")} is off)");
            }

            return trained ? values : null;
        }

        return new FrameworkVariables
        {
            Gamma = Affine(Weight, config.Scale, 1.0),
            Beta = Affine(Bias, config.Center, 0.0),
            MovingMean = PerChannel(tensors[RunningMean], c, nonNegative: false),
            MovingVariance = PerChannel(tensors[RunningVar], c, nonNegative: true),
            UpdatesApplied = Counter(tensors[NumBatchesTracked]),
        };
    }

    private static SafetensorsTensor Floats(string name, double[] values) =>
        new(name, "F32", [values.Length], LittleEndian(Float32Values.Of(name, values, "safetensors")));

    private static double[] PerChannel(SafetensorsTensor tensor, int channels, bool nonNegative)
    {
        if (tensor.Dtype != "F32" || tensor.Shape is not [var length] || length != channels)
        {
            throw ImportErrors.Invalid("body", $"{tensor.Name} must be F32 with shape [{channels}], not {tensor.Dtype} [{string.Join(", ", tensor.Shape)}]");
        }

        var values = new double[channels];
        for (var i = 0; i < channels; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(tensor.Data.AsSpan(i * sizeof(float)));
        }

        return ImportErrors.PerChannel(tensor.Name, values, channels, nonNegative);
    }

    private static long Counter(SafetensorsTensor tensor)
    {
        if (tensor.Dtype != "I64" || tensor.Shape.Length != 0)
        {
            throw ImportErrors.Invalid("body", $"{tensor.Name} must be I64 with shape [] (a 0-dim tensor), not {tensor.Dtype} [{string.Join(", ", tensor.Shape)}]");
        }

        return ImportErrors.Count(tensor.Name, BinaryPrimitives.ReadInt64LittleEndian(tensor.Data));
    }

    private static SafetensorsTensor Counter(string name, long value)
    {
        var bytes = new byte[sizeof(long)];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        return new SafetensorsTensor(name, "I64", [], bytes);
    }

    private static byte[] LittleEndian(float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        return bytes;
    }
}
