namespace BnEngine.Tests.Layers;

/// <summary>Two captured states are identical: counters, every per-channel array and the queue.</summary>
internal static class StateAssert
{
    public static void Same(LayerState expected, LayerState actual)
    {
        Assert.Equal(expected.Step, actual.Step);
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.Gamma, actual.Gamma);
        Assert.Equal(expected.Beta, actual.Beta);
        Assert.Equal(expected.MovingMean, actual.MovingMean);
        Assert.Equal(expected.MovingVariance, actual.MovingVariance);
        Assert.Equal(expected.RenormMean, actual.RenormMean);
        Assert.Equal(expected.RenormStddev, actual.RenormStddev);
        Assert.Equal(expected.MovingStddev, actual.MovingStddev);
        Assert.Equal(expected.BiasedMovingMean, actual.BiasedMovingMean);
        Assert.Equal(expected.LocalStep, actual.LocalStep);
        Assert.Equal(expected.UpdatesApplied, actual.UpdatesApplied);
        Assert.Equal(expected.Pending.Count, actual.Pending.Count);
        for (var i = 0; i < expected.Pending.Count; i++)
        {
            Assert.Equal(expected.Pending[i].Mean, actual.Pending[i].Mean);
            Assert.Equal(expected.Pending[i].Variance, actual.Pending[i].Variance);
            Assert.Equal(expected.Pending[i].Stddev, actual.Pending[i].Stddev);
        }
    }
}
