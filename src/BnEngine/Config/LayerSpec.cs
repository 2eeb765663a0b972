namespace BnEngine;

/// <summary>
/// A layer configuration as a client sent it: every member left null takes the convention's default when
/// <see cref="LayerConfig.Resolve"/> turns it into a <see cref="LayerConfig"/>. Names follow api.md.
/// </summary>
public sealed record LayerSpec
{
    public required string Name { get; init; }
    public required int Channels { get; init; }
    public DataFormat? DataFormat { get; init; }
    public Convention? Convention { get; init; }
    /// <summary>Null: the convention's default. <c>Decay.Cumulative</c>: the JSON value <c>null</c>.</summary>
    public Decay? Decay { get; init; }
    public bool? UseNumUpdates { get; init; }
    public bool? Center { get; init; }
    public bool? Scale { get; init; }
    public double? Epsilon { get; init; }
    public Activation? Activation { get; init; }
    public ParamInitializers? ParamInitializers { get; init; }
    public ParamRegularizers? ParamRegularizers { get; init; }
    public UpdateMode? Updates { get; init; }
    public bool? Trainable { get; init; }
    /// <summary>Null means TF's choice, which is also the default.</summary>
    public bool? Fused { get; init; }
    public VarianceCorrection? MovingVarianceCorrection { get; init; }
    public bool? ZeroDebiasMovingMean { get; init; }
    public bool? Renorm { get; init; }
    public RenormClipping? RenormClipping { get; init; }
    public double? RenormDecay { get; init; }
    public IReadOnlyList<string>? Collections { get; init; }
}
