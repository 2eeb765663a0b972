using BnEngine;

namespace BnService.Layers.Grains;

/// <summary>The engine's <see cref="LayerState"/> as stored and sent between silos.</summary>
[GenerateSerializer, Immutable, Alias("bn.LayerStateRecord")]
public sealed record LayerStateRecord
{
    [Id(0)] public required long Step { get; init; }
    [Id(1)] public required long Version { get; init; }
    [Id(2)] public required double[] Gamma { get; init; }
    [Id(3)] public required double[] Beta { get; init; }
    [Id(4)] public required double[] MovingMean { get; init; }
    [Id(5)] public required double[] MovingVariance { get; init; }
    [Id(6)] public required double[] RenormMean { get; init; }
    [Id(7)] public required double[] RenormStddev { get; init; }
    [Id(8)] public required double[] MovingStddev { get; init; }
    [Id(9)] public required double[] BiasedMovingMean { get; init; }
    [Id(10)] public required long LocalStep { get; init; }
    [Id(11)] public required long UpdatesApplied { get; init; }
    [Id(12)] public required PendingUpdateRecord[] Pending { get; init; }

    /// <summary>From a state the caller no longer changes (a captured copy).</summary>
    public static LayerStateRecord From(LayerState state) => new()
    {
        Step = state.Step,
        Version = state.Version,
        Gamma = state.Gamma,
        Beta = state.Beta,
        MovingMean = state.MovingMean,
        MovingVariance = state.MovingVariance,
        RenormMean = state.RenormMean,
        RenormStddev = state.RenormStddev,
        MovingStddev = state.MovingStddev,
        BiasedMovingMean = state.BiasedMovingMean,
        LocalStep = state.LocalStep,
        UpdatesApplied = state.UpdatesApplied,
        Pending = [.. state.Pending.Select(p => new PendingUpdateRecord(p.Mean, p.Variance, p.Stddev))],
    };

    /// <summary>A new engine state (the layer copies it again when it is restored).</summary>
    public LayerState ToState() => new()
    {
        Step = Step,
        Version = Version,
        Gamma = Gamma,
        Beta = Beta,
        MovingMean = MovingMean,
        MovingVariance = MovingVariance,
        RenormMean = RenormMean,
        RenormStddev = RenormStddev,
        MovingStddev = MovingStddev,
        BiasedMovingMean = BiasedMovingMean,
        LocalStep = LocalStep,
        UpdatesApplied = UpdatesApplied,
        Pending = [.. Pending.Select(p => new PendingUpdate(p.Mean, p.Variance, p.Stddev))],
    };
}

[GenerateSerializer, Immutable, Alias("bn.PendingUpdateRecord")]
public sealed record PendingUpdateRecord([property: Id(0)] double[] Mean, [property: Id(1)] double[] Variance, [property: Id(2)] double[] Stddev);
