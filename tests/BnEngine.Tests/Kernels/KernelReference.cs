using BnEngine.Kernels;
using static BnEngine.Tests.Kernels.KernelCases;

namespace BnEngine.Tests.Kernels;

/// <summary>Plain float64 two-pass definitions of every kernel.</summary>
internal static class KernelReference
{
    public static (double[] Mean, double[] Variance) Moments(float[] x, ChannelLayout l, Func<int, double>? rowWeight = null)
    {
        var w = rowWeight ?? (_ => 1.0);
        var mean = new double[l.Channels];
        var variance = new double[l.Channels];
        for (var c = 0; c < l.Channels; c++)
        {
            double sum = 0, sumW = 0, sq = 0;
            for (var o = 0; o < l.Outer; o++)
            {
                for (var i = 0; i < l.Inner; i++)
                {
                    sum += w(o) * x[Index(l, o, c, i)];
                    sumW += w(o);
                }
            }

            var m = sumW == 0 ? 0 : sum / sumW;
            for (var o = 0; o < l.Outer; o++)
            {
                for (var i = 0; i < l.Inner; i++)
                {
                    var d = x[Index(l, o, c, i)] - m;
                    sq += w(o) * d * d;
                }
            }

            mean[c] = m;
            variance[c] = sumW == 0 ? 0 : sq / sumW;
        }

        return (mean, variance);
    }

    public static double[] Map(float[] x, ChannelLayout l, Func<int, int, double> f)
    {
        var y = new double[x.Length];
        for (var o = 0; o < l.Outer; o++)
        {
            for (var c = 0; c < l.Channels; c++)
            {
                for (var i = 0; i < l.Inner; i++)
                {
                    var at = Index(l, o, c, i);
                    y[at] = f(at, c);
                }
            }
        }

        return y;
    }

    public static (double[] SumDy, double[] SumDyXmu, double[] Magnitude) BackwardSums(float[] x, float[] dy, ChannelLayout l, double[] mean)
    {
        var sumDy = new double[l.Channels];
        var sumDyXmu = new double[l.Channels];
        var magnitude = new double[l.Channels];
        for (var o = 0; o < l.Outer; o++)
        {
            for (var c = 0; c < l.Channels; c++)
            {
                for (var i = 0; i < l.Inner; i++)
                {
                    var at = Index(l, o, c, i);
                    sumDy[c] += dy[at];
                    sumDyXmu[c] += dy[at] * (x[at] - mean[c]);
                    magnitude[c] += Math.Abs(dy[at]) * (1 + Math.Abs(x[at] - mean[c]));
                }
            }
        }

        return (sumDy, sumDyXmu, magnitude);
    }
}
