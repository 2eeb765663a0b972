using System.Text.Json.Nodes;

namespace BnEngine.Tests.Golden;

/// <summary>The one mapping from the golden file's API terms (api.md JSON names) to engine types.</summary>
public static class GoldenJson
{
    public static LayerSpec LayerSpec(JsonObject layer) => new()
    {
        Name = (string)layer["name"]!,
        Channels = (int)layer["channels"]!,
        DataFormat = Enum(layer, "data_format", s => s switch { "NHWC" => BnEngine.DataFormat.Nhwc, "NCHW" => BnEngine.DataFormat.Nchw, _ => Unknown<DataFormat>(s) }),
        Convention = Enum(layer, "convention", s => s switch
        {
            "tensorflow" => BnEngine.Convention.TensorFlow,
            "keras" => BnEngine.Convention.Keras,
            "pytorch" => BnEngine.Convention.PyTorch,
            _ => Unknown<Convention>(s),
        }),
        Decay = layer.ContainsKey("decay") ? new Decay((double?)layer["decay"]) : null,
        UseNumUpdates = (bool?)layer["use_num_updates"],
        Center = (bool?)layer["center"],
        Scale = (bool?)layer["scale"],
        Epsilon = (double?)layer["epsilon"],
        Activation = Enum(layer, "activation", s => s switch
        {
            "none" => BnEngine.Activation.None,
            "relu" => BnEngine.Activation.Relu,
            "relu6" => BnEngine.Activation.Relu6,
            "elu" => BnEngine.Activation.Elu,
            "selu" => BnEngine.Activation.Selu,
            "sigmoid" => BnEngine.Activation.Sigmoid,
            "tanh" => BnEngine.Activation.Tanh,
            "softplus" => BnEngine.Activation.Softplus,
            "leaky_relu" => BnEngine.Activation.LeakyRelu,
            _ => Unknown<Activation>(s),
        }),
        ParamInitializers = layer["param_initializers"] is JsonObject init
            ? new ParamInitializers(Values(init["beta"]), Values(init["gamma"]), Values(init["moving_mean"]), Values(init["moving_variance"]))
            : null,
        ParamRegularizers = layer["param_regularizers"] is JsonObject reg ? new ParamRegularizers(L1L2(reg["beta"]), L1L2(reg["gamma"])) : null,
        Updates = Enum(layer, "updates", s => s switch { "in_place" => UpdateMode.InPlace, "deferred" => UpdateMode.Deferred, _ => Unknown<UpdateMode>(s) }),
        Trainable = (bool?)layer["trainable"],
        Fused = (bool?)layer["fused"],
        MovingVarianceCorrection = Enum(layer, "moving_variance_correction", s => s switch
        {
            "auto" => VarianceCorrection.Auto,
            "biased" => VarianceCorrection.Biased,
            "unbiased" => VarianceCorrection.Unbiased,
            _ => Unknown<VarianceCorrection>(s),
        }),
        ZeroDebiasMovingMean = (bool?)layer["zero_debias_moving_mean"],
        Renorm = (bool?)layer["renorm"],
        RenormClipping = layer["renorm_clipping"] is JsonObject clip
            ? new RenormClipping((double?)clip["rmax"], (double?)clip["rmin"], (double?)clip["dmax"])
            : null,
        RenormDecay = (double?)layer["renorm_decay"],
        Collections = layer["collections"] is JsonArray collections ? collections.Select(c => (string)c!).ToArray() : null,
    };

    /// <summary>A tensor <c>{"shape": [...], "data": [...]}</c>.</summary>
    public static (TensorShape Shape, float[] Data) Tensor(JsonNode? node, string field)
    {
        var shape = TensorShape.Create(node!["shape"]!.AsArray().Select(d => (long)d!).ToArray(), field + ".shape");
        var data = node["data"]!.AsArray().Select(v => (float)(double)v!).ToArray();
        return (shape, data);
    }

    public static double[] Doubles(JsonNode? node) => node!.AsArray().Select(v => (double)v!).ToArray();

    public static float[] Floats(JsonNode? node) => node!.AsArray().Select(v => (float)(double)v!).ToArray();

    private static ChannelValues? Values(JsonNode? node) => node switch
    {
        null => null,
        JsonArray array => ChannelValues.Of(array.Select(v => (double)v!).ToArray()),
        _ => ChannelValues.Of((double)node),
    };

    private static L1L2? L1L2(JsonNode? node) => node is null ? null : new L1L2((double?)node["l1"] ?? 0, (double?)node["l2"] ?? 0);

    private static T? Enum<T>(JsonObject layer, string key, Func<string, T> parse) where T : struct =>
        layer[key] is { } value ? parse((string)value!) : null;

    private static T Unknown<T>(string value) => throw new InvalidDataException($"unknown {typeof(T).Name} '{value}' in the golden file");
}
