using BnEngine;

namespace BnService.StateFiles;

/// <summary>
/// The variables a framework's file carries (PyTorch's state_dict, Keras' weights), already checked against the
/// layer: C finite values each. Null: the file does not carry it.
/// </summary>
internal sealed record FrameworkVariables
{
    public double[]? Gamma { get; init; }
    public double[]? Beta { get; init; }
    public required double[] MovingMean { get; init; }
    public required double[] MovingVariance { get; init; }
    public double[]? MovingStddev { get; init; }
    public double[]? RenormMean { get; init; }
    public double[]? RenormStddev { get; init; }
    /// <summary>PyTorch's num_batches_tracked: the updates applied so far, and the step.</summary>
    public long? UpdatesApplied { get; init; }

    /// <summary>
    /// The layer's state after the import. What the file carries replaces the layer's value; what is derived from
    /// it follows (renorm's moving stddev, the zero-debias accumulator), so the next update continues from the
    /// imported statistics; everything else is kept. Deferred updates still queued are dropped: they were
    /// meant for the statistics the file replaces.
    /// </summary>
    public LayerState ApplyTo(LayerConfig config, LayerState current)
    {
        var updates = UpdatesApplied ?? current.UpdatesApplied;
        var movingMean = (double[])MovingMean.Clone();
        var movingVariance = (double[])MovingVariance.Clone();
        return new LayerState
        {
            Step = UpdatesApplied ?? current.Step,
            Version = current.Version,
            Gamma = Gamma is null ? current.Gamma : (double[])Gamma.Clone(),
            Beta = Beta is null ? current.Beta : (double[])Beta.Clone(),
            MovingMean = movingMean,
            MovingVariance = movingVariance,
            RenormMean = RenormMean is null ? current.RenormMean : (double[])RenormMean.Clone(),
            RenormStddev = RenormStddev is null ? current.RenormStddev : (double[])RenormStddev.Clone(),
            MovingStddev = MovingStddev is null ? StddevFor(config, movingVariance) : (double[])MovingStddev.Clone(),
            BiasedMovingMean = config.ZeroDebiasMovingMean ? BiasedFor(config, current, movingMean, updates) : current.BiasedMovingMean,
            LocalStep = current.LocalStep,
            UpdatesApplied = updates,
            Pending = [],
        };
    }

    /// <summary>
    /// Renorm derives the moving variance as stddev² − epsilon after each update, so the stddev is
    /// sqrt(variance + epsilon); without renorm it is unused and kept as a fresh layer has it, sqrt(variance).
    /// </summary>
    private static double[] StddevFor(LayerConfig config, double[] movingVariance)
    {
        var epsilon = config.Renorm ? config.Epsilon : 0;
        return [.. movingVariance.Select(v => Math.Sqrt(v + epsilon))];
    }

    /// <summary>Zero-debias keeps moving_mean = biased / (1 − decay^local_step): the accumulator that gives the imported mean.</summary>
    private static double[] BiasedFor(LayerConfig config, LayerState current, double[] movingMean, long updatesApplied)
    {
        var decay = MovingAverages.DecayFor(config.Decay, config.UseNumUpdates, updatesApplied);
        var correction = 1 - Math.Pow(decay, current.LocalStep);
        return [.. movingMean.Select(m => m * correction)];
    }
}
