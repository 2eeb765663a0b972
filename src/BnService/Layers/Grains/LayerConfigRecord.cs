using BnEngine;

namespace BnService.Layers.Grains;

/// <summary>
/// A resolved <see cref="LayerConfig"/> as stored and sent between silos. Enum values are kept as api.md's
/// names so stored state survives a reordering of the engine's enums.
/// </summary>
[GenerateSerializer, Immutable, Alias("bn.LayerConfigRecord")]
public sealed record LayerConfigRecord
{
    [Id(0)] public required string Name { get; init; }
    [Id(1)] public required int Channels { get; init; }
    [Id(2)] public required string DataFormat { get; init; }
    [Id(3)] public required string Convention { get; init; }
    [Id(4)] public required double? Decay { get; init; }
    [Id(5)] public required bool UseNumUpdates { get; init; }
    [Id(6)] public required bool Center { get; init; }
    [Id(7)] public required bool Scale { get; init; }
    [Id(8)] public required double Epsilon { get; init; }
    [Id(9)] public required string Activation { get; init; }
    [Id(10)] public required ChannelValuesRecord Beta { get; init; }
    [Id(11)] public required ChannelValuesRecord Gamma { get; init; }
    [Id(12)] public required ChannelValuesRecord MovingMean { get; init; }
    [Id(13)] public required ChannelValuesRecord MovingVariance { get; init; }
    [Id(14)] public required L1L2Record? BetaRegularizer { get; init; }
    [Id(15)] public required L1L2Record? GammaRegularizer { get; init; }
    [Id(16)] public required string Updates { get; init; }
    [Id(17)] public required bool Trainable { get; init; }
    [Id(18)] public required bool? Fused { get; init; }
    [Id(19)] public required string MovingVarianceCorrection { get; init; }
    [Id(20)] public required bool ZeroDebiasMovingMean { get; init; }
    [Id(21)] public required bool Renorm { get; init; }
    [Id(22)] public required RenormClippingRecord? RenormClipping { get; init; }
    [Id(23)] public required double RenormDecay { get; init; }
    [Id(24)] public required string[] Collections { get; init; }

    public static LayerConfigRecord From(LayerConfig config) => new()
    {
        Name = config.Name,
        Channels = config.Channels,
        DataFormat = ApiNames.Name(config.DataFormat),
        Convention = ApiNames.Name(config.Convention),
        Decay = config.Decay,
        UseNumUpdates = config.UseNumUpdates,
        Center = config.Center,
        Scale = config.Scale,
        Epsilon = config.Epsilon,
        Activation = ApiNames.Name(config.Activation),
        Beta = ChannelValuesRecord.From(config.ParamInitializers.Beta!),
        Gamma = ChannelValuesRecord.From(config.ParamInitializers.Gamma!),
        MovingMean = ChannelValuesRecord.From(config.ParamInitializers.MovingMean!),
        MovingVariance = ChannelValuesRecord.From(config.ParamInitializers.MovingVariance!),
        BetaRegularizer = L1L2Record.From(config.ParamRegularizers.Beta),
        GammaRegularizer = L1L2Record.From(config.ParamRegularizers.Gamma),
        Updates = ApiNames.Name(config.Updates),
        Trainable = config.Trainable,
        Fused = config.Fused,
        MovingVarianceCorrection = ApiNames.Name(config.MovingVarianceCorrection),
        ZeroDebiasMovingMean = config.ZeroDebiasMovingMean,
        Renorm = config.Renorm,
        RenormClipping = config.RenormClipping is { } c ? new RenormClippingRecord(c.RMax, c.RMin, c.DMax) : null,
        RenormDecay = config.RenormDecay,
        Collections = [.. config.Collections],
    };

    /// <summary>Back to the engine's config, through <see cref="LayerConfig.Resolve"/> so its checks hold for stored values too.</summary>
    public LayerConfig ToConfig() => LayerConfig.Resolve(new LayerSpec
    {
        Name = Name,
        Channels = Channels,
        DataFormat = ApiNames.ParseDataFormat(DataFormat),
        Convention = ApiNames.ParseConvention(Convention),
        Decay = new Decay(Decay),
        UseNumUpdates = UseNumUpdates,
        Center = Center,
        Scale = Scale,
        Epsilon = Epsilon,
        Activation = ApiNames.ParseActivation(Activation),
        ParamInitializers = new ParamInitializers(Beta.ToValues(), Gamma.ToValues(), MovingMean.ToValues(), MovingVariance.ToValues()),
        ParamRegularizers = new ParamRegularizers(BetaRegularizer?.ToL1L2(), GammaRegularizer?.ToL1L2()),
        Updates = ApiNames.ParseUpdateMode(Updates),
        Trainable = Trainable,
        Fused = Fused,
        MovingVarianceCorrection = ApiNames.ParseVarianceCorrection(MovingVarianceCorrection),
        ZeroDebiasMovingMean = ZeroDebiasMovingMean,
        Renorm = Renorm,
        RenormClipping = RenormClipping is { } c ? new RenormClipping(c.RMax, c.RMin, c.DMax) : null,
        RenormDecay = RenormDecay,
        Collections = Collections,
    });
}

[GenerateSerializer, Immutable, Alias("bn.ChannelValuesRecord")]
public sealed record ChannelValuesRecord([property: Id(0)] double? Scalar, [property: Id(1)] double[]? PerChannel)
{
    public static ChannelValuesRecord From(ChannelValues values) => new(values.Scalar, values.PerChannel is { } p ? (double[])p.Clone() : null);

    public ChannelValues ToValues() => PerChannel is { } p ? ChannelValues.Of(p) : ChannelValues.Of(Scalar ?? 0);
}

[GenerateSerializer, Immutable, Alias("bn.L1L2Record")]
public sealed record L1L2Record([property: Id(0)] double L1, [property: Id(1)] double L2)
{
    public static L1L2Record? From(L1L2? value) => value is null ? null : new L1L2Record(value.L1, value.L2);

    public L1L2 ToL1L2() => new(L1, L2);
}

[GenerateSerializer, Immutable, Alias("bn.RenormClippingRecord")]
public sealed record RenormClippingRecord([property: Id(0)] double? RMax, [property: Id(1)] double? RMin, [property: Id(2)] double? DMax);
