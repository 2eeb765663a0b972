namespace BnEngine;

/// <summary>Batch renormalization's correction (bn-math.md §8.1, the current TF/Keras algorithm).</summary>
internal static class Renormalization
{
    /// <summary>
    /// r = std_B / rs and d = (mean_B - renorm_mean) / rs with rs = max(renorm_stddev, sqrt(eps)) from the state
    /// before this batch's update; then r = max(r, rmin), r = min(r, rmax), d = clip(d, -dmax, dmax).
    /// </summary>
    public static (double[] R, double[] D) Correction(LayerConfig config, LayerState state, ReadOnlySpan<double> batchMean, ReadOnlySpan<double> batchStddev)
    {
        var c = config.Channels;
        var r = new double[c];
        var d = new double[c];
        var floor = Math.Sqrt(config.Epsilon);
        var clipping = config.RenormClipping;
        for (var i = 0; i < c; i++)
        {
            var rs = Math.Max(state.RenormStddev[i], floor);
            var ri = batchStddev[i] / rs;
            var di = (batchMean[i] - state.RenormMean[i]) / rs;
            if (clipping?.RMin is { } rmin)
            {
                ri = Math.Max(ri, rmin);
            }

            if (clipping?.RMax is { } rmax)
            {
                ri = Math.Min(ri, rmax);
            }

            if (clipping?.DMax is { } dmax)
            {
                di = Math.Clamp(di, -dmax, dmax);
            }

            r[i] = ri;
            d[i] = di;
        }

        return (r, d);
    }
}
