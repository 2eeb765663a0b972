namespace BnEngine;

/// <summary>The defaults a convention gives every field left unset (api.md table, bn-math.md §6.1, §7.1, §9.1, §12).</summary>
public sealed record ConventionDefaults(double Decay, bool Center, bool Scale, double Epsilon)
{
    /// <summary>TF contrib <c>batch_norm</c>: decay 0.999, scale off, epsilon 1e-3.</summary>
    public static ConventionDefaults TensorFlow { get; } = new(0.999, Center: true, Scale: false, Epsilon: 1e-3);

    /// <summary>Keras <c>BatchNormalization</c>: momentum 0.99, epsilon 1e-3.</summary>
    public static ConventionDefaults Keras { get; } = new(0.99, Center: true, Scale: true, Epsilon: 1e-3);

    /// <summary>PyTorch <c>BatchNorm*d</c>: momentum 0.1 (decay 0.9 in TF terms), epsilon 1e-5.</summary>
    public static ConventionDefaults PyTorch { get; } = new(0.9, Center: true, Scale: true, Epsilon: 1e-5);

    public static ConventionDefaults For(Convention convention) => convention switch
    {
        Convention.TensorFlow => TensorFlow,
        Convention.Keras => Keras,
        Convention.PyTorch => PyTorch,
        _ => throw new ArgumentOutOfRangeException(nameof(convention), convention, null),
    };

    /// <summary>Defaults shared by every convention.</summary>
    public const double RenormDecay = 0.99;
    public const int MaxChannels = 65536;
}
