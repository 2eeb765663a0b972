namespace BnEngine;

/// <summary>Applies one batch's update to the moving (and renorm) statistics of a state (bn-math.md §5, §6.4, §8.1, §9.3).</summary>
internal static class MovingStatistics
{
    public static void Apply(LayerConfig config, LayerState state, PendingUpdate update)
    {
        var decay = MovingAverages.DecayFor(config.Decay, config.UseNumUpdates, state.UpdatesApplied);
        if (config.ZeroDebiasMovingMean)
        {
            state.LocalStep++;
            MovingAverages.ZeroDebiasedUpdate(state.MovingMean, state.BiasedMovingMean, update.Mean, decay, state.LocalStep);
        }
        else
        {
            MovingAverages.Update(state.MovingMean, update.Mean, decay);
        }

        if (config.Renorm)
        {
            // Renorm tracks stddev with epsilon inside; the moving variance is derived, not averaged.
            var movingStddevValue = new double[config.Channels];
            for (var i = 0; i < movingStddevValue.Length; i++)
            {
                movingStddevValue[i] = Math.Sqrt(update.Variance[i] + config.Epsilon);
            }

            MovingAverages.Update(state.RenormMean, update.Mean, config.RenormDecay);
            MovingAverages.Update(state.RenormStddev, update.Stddev, config.RenormDecay);
            MovingAverages.Update(state.MovingStddev, movingStddevValue, decay);
            for (var i = 0; i < state.MovingVariance.Length; i++)
            {
                state.MovingVariance[i] = Math.Max(state.MovingStddev[i] * state.MovingStddev[i] - config.Epsilon, 0);
            }
        }
        else
        {
            MovingAverages.Update(state.MovingVariance, update.Variance, decay);
        }

        state.UpdatesApplied++;
    }
}
