namespace BnEngine;

/// <summary>Building, copying and checking <see cref="LayerState"/> values for one configuration.</summary>
internal static class LayerStates
{
    /// <summary>The state of a fresh layer: initializers, step 0 (api.md; bn-math.md §8.1 for the renorm statistics).</summary>
    public static LayerState Initial(LayerConfig config, long version)
    {
        var c = config.Channels;
        var init = config.ParamInitializers;
        var movingVariance = init.MovingVariance!.Expand(c);
        var stddev = new double[c];
        for (var i = 0; i < c; i++)
        {
            stddev[i] = Math.Sqrt(movingVariance[i]);
        }

        return new LayerState
        {
            Step = 0,
            Version = version,
            // Without scale (center), gamma (beta) is the constant 1 (0), still reported.
            Gamma = config.Scale ? init.Gamma!.Expand(c) : Filled(c, 1.0),
            Beta = config.Center ? init.Beta!.Expand(c) : Filled(c, 0.0),
            MovingMean = init.MovingMean!.Expand(c),
            MovingVariance = movingVariance,
            RenormMean = init.MovingMean!.Expand(c),
            RenormStddev = (double[])stddev.Clone(),
            MovingStddev = stddev,
            BiasedMovingMean = new double[c],
            LocalStep = 0,
            UpdatesApplied = 0,
            Pending = [],
        };
    }

    /// <summary>A deep copy; without <paramref name="withPending"/> the copy's queue is empty.</summary>
    public static LayerState Copy(LayerState state, bool withPending = true) => With(state, static a => (double[])a.Clone(),
        !withPending ? [] : [.. state.Pending.Select(p => new PendingUpdate((double[])p.Mean.Clone(), (double[])p.Variance.Clone(), (double[])p.Stddev.Clone()))]);

    /// <summary>A copy with its own counters and pending list, sharing the arrays (see <see cref="BatchNormLayer.CaptureSharedState"/>).</summary>
    public static LayerState Shared(LayerState state) => With(state, static a => a, [.. state.Pending]);

    /// <summary>The counters of <paramref name="state"/>, each of its arrays through <paramref name="array"/>, and <paramref name="pending"/>.</summary>
    private static LayerState With(LayerState state, Func<double[], double[]> array, List<PendingUpdate> pending) => new()
    {
        Step = state.Step,
        Version = state.Version,
        Gamma = array(state.Gamma),
        Beta = array(state.Beta),
        MovingMean = array(state.MovingMean),
        MovingVariance = array(state.MovingVariance),
        RenormMean = array(state.RenormMean),
        RenormStddev = array(state.RenormStddev),
        MovingStddev = array(state.MovingStddev),
        BiasedMovingMean = array(state.BiasedMovingMean),
        LocalStep = state.LocalStep,
        UpdatesApplied = state.UpdatesApplied,
        Pending = pending,
    };

    /// <summary>
    /// A copy of <paramref name="state"/> for <see cref="MovingStatistics.Apply"/> under <paramref name="config"/>:
    /// the arrays that update writes are cloned; the others are shared, since they are only ever replaced, never
    /// written in place, while they belong to a state (gamma and beta by an SGD step, the renorm and zero-debias
    /// arrays by updates this config does not make), and so is the pending queue (empty under immediate updates).
    /// Cheaper than <see cref="Copy"/> for a small batch, where the copy is a large part of a training step.
    /// </summary>
    public static LayerState ForMovingUpdate(LayerConfig config, LayerState state) => new()
    {
        Step = state.Step,
        Version = state.Version,
        Gamma = state.Gamma,
        Beta = state.Beta,
        MovingMean = (double[])state.MovingMean.Clone(),
        MovingVariance = (double[])state.MovingVariance.Clone(),
        RenormMean = config.Renorm ? (double[])state.RenormMean.Clone() : state.RenormMean,
        RenormStddev = config.Renorm ? (double[])state.RenormStddev.Clone() : state.RenormStddev,
        MovingStddev = config.Renorm ? (double[])state.MovingStddev.Clone() : state.MovingStddev,
        BiasedMovingMean = config.ZeroDebiasMovingMean ? (double[])state.BiasedMovingMean.Clone() : state.BiasedMovingMean,
        LocalStep = state.LocalStep,
        UpdatesApplied = state.UpdatesApplied,
        Pending = state.Pending,
    };

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="state"/> is a state <paramref name="config"/> can have.</summary>
    public static void Validate(LayerConfig config, LayerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var c = config.Channels;
        PerChannel(state.Gamma, c, nameof(state.Gamma), nonNegative: false);
        PerChannel(state.Beta, c, nameof(state.Beta), nonNegative: false);
        PerChannel(state.MovingMean, c, nameof(state.MovingMean), nonNegative: false);
        PerChannel(state.MovingVariance, c, nameof(state.MovingVariance), nonNegative: true);
        PerChannel(state.RenormMean, c, nameof(state.RenormMean), nonNegative: false);
        PerChannel(state.RenormStddev, c, nameof(state.RenormStddev), nonNegative: true);
        PerChannel(state.MovingStddev, c, nameof(state.MovingStddev), nonNegative: true);
        PerChannel(state.BiasedMovingMean, c, nameof(state.BiasedMovingMean), nonNegative: false);
        if (state.Step < 0 || state.Version < 0 || state.LocalStep < 0 || state.UpdatesApplied < 0)
        {
            throw new ArgumentException("step, version, local step and updates applied must not be negative", nameof(state));
        }

        ArgumentNullException.ThrowIfNull(state.Pending, nameof(state.Pending));
        if (state.Pending.Count > 0 && config.Updates != UpdateMode.Deferred)
        {
            throw new ArgumentException("only a layer with deferred updates can have pending updates", nameof(state));
        }

        foreach (var pending in state.Pending)
        {
            ArgumentNullException.ThrowIfNull(pending, nameof(state.Pending));
            PerChannel(pending.Mean, c, "Pending.Mean", nonNegative: false);
            PerChannel(pending.Variance, c, "Pending.Variance", nonNegative: true);
            PerChannel(pending.Stddev, c, "Pending.Stddev", nonNegative: true);
        }
    }

    private static void PerChannel(double[]? values, int channels, string name, bool nonNegative)
    {
        if (values is null || values.Length != channels)
        {
            throw new ArgumentException($"{name} must hold {channels} values", nameof(LayerState));
        }

        foreach (var v in values)
        {
            if (!double.IsFinite(v) || (nonNegative && v < 0))
            {
                throw new ArgumentException($"{name} holds {v}, which this field cannot hold", nameof(LayerState));
            }
        }
    }

    private static double[] Filled(int count, double value)
    {
        var result = new double[count];
        Array.Fill(result, value);
        return result;
    }
}
