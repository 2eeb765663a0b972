using BnEngine;

namespace BnService.Layers;

/// <summary>
/// The one mapping between api.md's enum strings and engine values, shared by REST and gRPC.
/// Parsing is exact (case-sensitive, as api.md spells them); an unknown string is a 400 with its field.
/// </summary>
public static class ApiNames
{
    private static readonly (string Name, DataFormat Value)[] DataFormats = [("NHWC", DataFormat.Nhwc), ("NCHW", DataFormat.Nchw)];

    private static readonly (string Name, Convention Value)[] Conventions =
        [("tensorflow", Convention.TensorFlow), ("keras", Convention.Keras), ("pytorch", Convention.PyTorch)];

    private static readonly (string Name, Activation Value)[] Activations =
    [
        ("none", Activation.None), ("relu", Activation.Relu), ("relu6", Activation.Relu6), ("elu", Activation.Elu),
        ("selu", Activation.Selu), ("sigmoid", Activation.Sigmoid), ("tanh", Activation.Tanh),
        ("softplus", Activation.Softplus), ("leaky_relu", Activation.LeakyRelu),
    ];

    private static readonly (string Name, UpdateMode Value)[] UpdateModes = [("in_place", UpdateMode.InPlace), ("deferred", UpdateMode.Deferred)];

    private static readonly (string Name, VarianceCorrection Value)[] Corrections =
        [("auto", VarianceCorrection.Auto), ("biased", VarianceCorrection.Biased), ("unbiased", VarianceCorrection.Unbiased)];

    private static readonly (string Name, ReuseMode Value)[] ReuseModes = [("never", ReuseMode.Never), ("reuse", ReuseMode.Reuse), ("auto", ReuseMode.Auto)];

    public static DataFormat ParseDataFormat(string value, string field = "data_format") => Parse(DataFormats, value, field);
    public static Convention ParseConvention(string value, string field = "convention") => Parse(Conventions, value, field);
    public static Activation ParseActivation(string value, string field = "activation") => Parse(Activations, value, field);
    public static UpdateMode ParseUpdateMode(string value, string field = "updates") => Parse(UpdateModes, value, field);
    public static VarianceCorrection ParseVarianceCorrection(string value, string field = "moving_variance_correction") => Parse(Corrections, value, field);
    public static ReuseMode ParseReuseMode(string value, string field = "reuse") => Parse(ReuseModes, value, field);

    public static string Name(DataFormat value) => Find(DataFormats, value);
    public static string Name(Convention value) => Find(Conventions, value);
    public static string Name(Activation value) => Find(Activations, value);
    public static string Name(UpdateMode value) => Find(UpdateModes, value);
    public static string Name(VarianceCorrection value) => Find(Corrections, value);
    public static string Name(ReuseMode value) => Find(ReuseModes, value);

    private static T Parse<T>((string Name, T Value)[] table, string value, string field)
    {
        foreach (var (name, v) in table)
        {
            if (string.Equals(name, value, StringComparison.Ordinal))
            {
                return v;
            }
        }

        throw new ServiceException(ServiceErrorKind.InvalidArgument,
            $"'{value}' is not one of: {string.Join(", ", table.Select(e => e.Name))}", field);
    }

    private static string Find<T>((string Name, T Value)[] table, T value) where T : struct, Enum
    {
        foreach (var (name, v) in table)
        {
            if (EqualityComparer<T>.Default.Equals(v, value))
            {
                return name;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(value), value, null);
    }
}
