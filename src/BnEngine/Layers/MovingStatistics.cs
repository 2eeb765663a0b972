namespace BnEngine;

/// <summary>Applies one batch's update to the moving (and renorm) statistics of a state (bn-math.md §5, §6.4, §8.1, §9.3).</summary>
internal static class MovingStatistics
{
    /// <summary>
    /// One update from a batch's mean, the variance chosen for the moving variance (biased or unbiased) and
    /// sqrt(biased variance + epsilon) (renorm's stddev).
    /// </summary>
    public static void Apply(LayerConfig config, LayerState state, ReadOnlySpan<double> mean, ReadOnlySpan<double> variance, ReadOnlySpan<double> stddev)
    {
        var decay = MovingAverages.DecayFor(config.Decay, config.UseNumUpdates, state.UpdatesApplied);
        if (config.ZeroDebiasMovingMean)
        {
            state.LocalStep++;
            MovingAverages.ZeroDebiasedUpdate(state.MovingMean, state.BiasedMovingMean, mean, decay, state.LocalStep);
        }
        else
        {
            MovingAverages.Update(state.MovingMean, mean, decay);
        }

        if (config.Renorm)
        {
            // Renorm tracks stddev with epsilon inside; the moving variance is derived, not averaged.
            MovingAverages.Update(state.RenormMean, mean, config.RenormDecay);
            MovingAverages.Update(state.RenormStddev, stddev, config.RenormDecay);
            for (var i = 0; i < state.MovingStddev.Length; i++)
            {
                var value = Math.Sqrt(variance[i] + config.Epsilon);
                state.MovingStddev[i] = decay * state.MovingStddev[i] + (1 - decay) * value;
                state.MovingVariance[i] = Math.Max(state.MovingStddev[i] * state.MovingStddev[i] - config.Epsilon, 0);
            }
        }
        else
        {
            MovingAverages.Update(state.MovingVariance, variance, decay);
        }

        state.UpdatesApplied++;
    }
}
