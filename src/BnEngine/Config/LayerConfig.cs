namespace BnEngine;

/// <summary>
/// A layer configuration with every default resolved (api.md "Layer configuration", bn-math.md §12).
/// Built only by <see cref="Resolve"/>, which validates every field.
/// </summary>
public sealed record LayerConfig
{
    public required string Name { get; init; }
    public required int Channels { get; init; }
    public required DataFormat DataFormat { get; init; }
    public required Convention Convention { get; init; }
    /// <summary>Null: cumulative average.</summary>
    public required double? Decay { get; init; }
    public required bool UseNumUpdates { get; init; }
    public required bool Center { get; init; }
    public required bool Scale { get; init; }
    public required double Epsilon { get; init; }
    public required Activation Activation { get; init; }
    /// <summary>Every member set.</summary>
    public required ParamInitializers ParamInitializers { get; init; }
    public required ParamRegularizers ParamRegularizers { get; init; }
    public required UpdateMode Updates { get; init; }
    public required bool Trainable { get; init; }
    /// <summary>Null: TF's choice.</summary>
    public required bool? Fused { get; init; }
    public required VarianceCorrection MovingVarianceCorrection { get; init; }
    public required bool ZeroDebiasMovingMean { get; init; }
    public required bool Renorm { get; init; }
    /// <summary>Null: no clipping.</summary>
    public required RenormClipping? RenormClipping { get; init; }
    public required double RenormDecay { get; init; }
    public required IReadOnlyList<string> Collections { get; init; }

    /// <summary>Validates <paramref name="spec"/> and fills every unset field from its convention.</summary>
    /// <exception cref="BatchNormException">A field is invalid; nothing was created.</exception>
    public static LayerConfig Resolve(LayerSpec spec) => LayerConfigResolver.Resolve(spec);

    /// <summary>
    /// Whether two resolved configurations are the same (values, not references). An initializer given as one
    /// number equals the same number repeated per channel.
    /// </summary>
    public bool SameAs(LayerConfig other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Name == other.Name && Channels == other.Channels && DataFormat == other.DataFormat && Convention == other.Convention &&
               Decay == other.Decay && UseNumUpdates == other.UseNumUpdates && Center == other.Center && Scale == other.Scale &&
               Epsilon == other.Epsilon && Activation == other.Activation &&
               SameValues(ParamInitializers.Beta, other.ParamInitializers.Beta) &&
               SameValues(ParamInitializers.Gamma, other.ParamInitializers.Gamma) &&
               SameValues(ParamInitializers.MovingMean, other.ParamInitializers.MovingMean) &&
               SameValues(ParamInitializers.MovingVariance, other.ParamInitializers.MovingVariance) &&
               Equals(ParamRegularizers, other.ParamRegularizers) && Updates == other.Updates && Trainable == other.Trainable &&
               Fused == other.Fused && MovingVarianceCorrection == other.MovingVarianceCorrection &&
               ZeroDebiasMovingMean == other.ZeroDebiasMovingMean && Renorm == other.Renorm &&
               Equals(RenormClipping, other.RenormClipping) && RenormDecay == other.RenormDecay &&
               Collections.SequenceEqual(other.Collections, StringComparer.Ordinal);
    }

    private bool SameValues(ChannelValues? a, ChannelValues? b) =>
        a is not null && b is not null && a.Expand(Channels).AsSpan().SequenceEqual(b.Expand(Channels));
}
