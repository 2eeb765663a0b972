namespace BnEngine;

/// <summary>
/// Everything a layer remembers, as plain data: what the service stores and what the layer representation
/// shows. Per-channel arrays hold C values. <see cref="BatchNormLayer.CaptureState"/> returns a deep copy.
/// </summary>
public sealed class LayerState
{
    /// <summary>Train batches accepted since creation or reset (deferred ones included).</summary>
    public long Step { get; set; }
    /// <summary>Increases by one with every state change (train, commit, reset, backward with apply).</summary>
    public long Version { get; set; }
    public required double[] Gamma { get; set; }
    public required double[] Beta { get; set; }
    public required double[] MovingMean { get; set; }
    public required double[] MovingVariance { get; set; }
    public required double[] RenormMean { get; set; }
    public required double[] RenormStddev { get; set; }
    /// <summary>Renorm's EMA of the batch stddev, from which <see cref="MovingVariance"/> is derived.</summary>
    public required double[] MovingStddev { get; set; }
    /// <summary>Zero-debias accumulator of the moving mean (bn-math.md §5.2), starts at 0.</summary>
    public required double[] BiasedMovingMean { get; set; }
    /// <summary>Zero-debias <c>local_step</c>.</summary>
    public long LocalStep { get; set; }
    /// <summary>Moving-statistics updates applied so far (for <c>use_num_updates</c> and the cumulative average).</summary>
    public long UpdatesApplied { get; set; }
    /// <summary>Deferred updates waiting for commit, in arrival order.</summary>
    public List<PendingUpdate> Pending { get; set; } = [];
}

/// <summary>One deferred moving-statistics update: the batch values to feed the averages.</summary>
/// <param name="Mean">Batch mean.</param>
/// <param name="Variance">The batch variance destined for the moving variance (biased or unbiased per config).</param>
/// <param name="Stddev">sqrt(biased batch variance + epsilon), for renorm.</param>
public sealed record PendingUpdate(double[] Mean, double[] Variance, double[] Stddev);
