namespace BnEngine.Tests.Reference;

/// <summary>
/// A deliberately plain float64 batch-normalization layer written from bn-math.md, sharing no code with the engine:
/// element loops over multi-indices, no kernels, no layout view. Property tests compare the engine against it.
/// </summary>
public sealed class ReferenceLayer
{
    private readonly LayerConfig _config;
    private readonly List<(double[] Mean, double[] Variance, double[] Stddev)> _pending = [];
    private double[] _biasedMean;
    private long _localStep;
    private long _updates;

    public ReferenceLayer(LayerConfig config)
    {
        _config = config;
        var c = config.Channels;
        var init = config.ParamInitializers;
        Gamma = config.Scale ? init.Gamma!.Expand(c) : Enumerable.Repeat(1.0, c).ToArray();
        Beta = config.Center ? init.Beta!.Expand(c) : new double[c];
        MovingMean = init.MovingMean!.Expand(c);
        MovingVariance = init.MovingVariance!.Expand(c);
        RenormMean = init.MovingMean!.Expand(c);
        RenormStddev = MovingVariance.Select(Math.Sqrt).ToArray();
        MovingStddev = MovingVariance.Select(Math.Sqrt).ToArray();
        _biasedMean = new double[c];
    }

    public double[] Gamma { get; private set; }
    public double[] Beta { get; private set; }
    public double[] MovingMean { get; }
    public double[] MovingVariance { get; }
    public double[] RenormMean { get; }
    public double[] RenormStddev { get; }
    public double[] MovingStddev { get; }
    public long Step { get; private set; }
    public int PendingUpdates => _pending.Count;

    public (double[] Y, double[] Mean, double[] Variance) Train(int[] dims, double[] x, double[]? weights = null)
    {
        var (mean, variance, n) = BatchMoments(dims, x, weights);
        var std = variance.Select(v => Math.Sqrt(v + _config.Epsilon)).ToArray();
        var (r, d) = _config.Renorm ? RenormCorrection(mean, std) : (Ones(), new double[_config.Channels]);
        var y = Forward(dims, x, mean, std, r, d, Gamma, Beta);

        var unbiased = MovingVarianceIsUnbiased(dims.Length, weights is not null);
        var forMoving = variance.Select(v => unbiased ? v * n / Math.Max(n - 1, 1) : v).ToArray();
        _pending.Add((mean, forMoving, std));
        if (_config.Updates == UpdateMode.InPlace)
        {
            Commit();
        }

        Step++;
        return (y, mean, variance);
    }

    public double[] Infer(int[] dims, double[] x)
    {
        var std = MovingVariance.Select(v => Math.Sqrt(v + _config.Epsilon)).ToArray();
        return Forward(dims, x, MovingMean, std, Ones(), new double[_config.Channels], Gamma, Beta);
    }

    /// <summary>The analytic gradients of sum(dy * y) (bn-math.md §9.4), r and d held constant.</summary>
    public (double[] Dx, double[] DGamma, double[] DBeta, double Loss) Backward(int[] dims, double[] x, double[] dy, bool isTraining, double? learningRate)
    {
        var c = _config.Channels;
        double[] mean, std, r, d;
        if (isTraining)
        {
            (mean, var variance, _) = BatchMoments(dims, x, null);
            std = variance.Select(v => Math.Sqrt(v + _config.Epsilon)).ToArray();
            (r, d) = _config.Renorm ? RenormCorrection(mean, std) : (Ones(), new double[c]);
        }
        else
        {
            mean = MovingMean;
            std = MovingVariance.Select(v => Math.Sqrt(v + _config.Epsilon)).ToArray();
            (r, d) = (Ones(), new double[c]);
        }

        var dz = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            var ch = Channel(dims, i);
            var z = Gamma[ch] * ((x[i] - mean[ch]) / std[ch] * r[ch] + d[ch]) + Beta[ch];
            dz[i] = dy[i] * ActivationDerivative(z);
        }

        var count = new double[c];
        var sumDz = new double[c];
        var sumDzXhat = new double[c];
        for (var i = 0; i < x.Length; i++)
        {
            var ch = Channel(dims, i);
            count[ch]++;
            sumDz[ch] += dz[i];
            sumDzXhat[ch] += dz[i] * (x[i] - mean[ch]) / std[ch];
        }

        var dx = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            var ch = Channel(dims, i);
            var xhat = (x[i] - mean[ch]) / std[ch];
            var g = Gamma[ch] * r[ch] / std[ch];
            dx[i] = isTraining ? g * (dz[i] - sumDz[ch] / count[ch] - xhat * sumDzXhat[ch] / count[ch]) : g * dz[i];
        }

        var dGamma = new double[c];
        var dBeta = new double[c];
        var loss = 0.0;
        for (var ch = 0; ch < c; ch++)
        {
            dGamma[ch] = r[ch] * sumDzXhat[ch] + d[ch] * sumDz[ch];
            dBeta[ch] = sumDz[ch];
            if (_config.Scale && _config.ParamRegularizers.Gamma is { } rg)
            {
                loss += rg.L1 * Math.Abs(Gamma[ch]) + rg.L2 * Gamma[ch] * Gamma[ch];
                dGamma[ch] += rg.L1 * Math.Sign(Gamma[ch]) + 2 * rg.L2 * Gamma[ch];
            }

            if (_config.Center && _config.ParamRegularizers.Beta is { } rb)
            {
                loss += rb.L1 * Math.Abs(Beta[ch]) + rb.L2 * Beta[ch] * Beta[ch];
                dBeta[ch] += rb.L1 * Math.Sign(Beta[ch]) + 2 * rb.L2 * Beta[ch];
            }
        }

        if (learningRate is { } lr && _config.Trainable)
        {
            if (_config.Scale)
            {
                Gamma = Gamma.Select((w, ch) => w - lr * dGamma[ch]).ToArray();
            }

            if (_config.Center)
            {
                Beta = Beta.Select((w, ch) => w - lr * dBeta[ch]).ToArray();
            }
        }

        return (dx, dGamma, dBeta, loss);
    }

    /// <summary>sum(dy * y) as a function of x, gamma and beta, with r and d fixed (what stop_gradient means), for finite differences.</summary>
    public double Objective(int[] dims, double[] x, double[] dy, bool isTraining, double[] gamma, double[] beta, double[] fixedR, double[] fixedD)
    {
        double[] mean, std;
        if (isTraining)
        {
            (mean, var variance, _) = BatchMoments(dims, x, null);
            std = variance.Select(v => Math.Sqrt(v + _config.Epsilon)).ToArray();
        }
        else
        {
            mean = MovingMean;
            std = MovingVariance.Select(v => Math.Sqrt(v + _config.Epsilon)).ToArray();
        }

        var y = Forward(dims, x, mean, std, fixedR, fixedD, gamma, beta);
        return y.Select((v, i) => v * dy[i]).Sum();
    }

    /// <summary>The renorm r and d a training-mode call on <paramref name="x"/> would use now.</summary>
    public (double[] R, double[] D) CurrentCorrection(int[] dims, double[] x)
    {
        var (mean, variance, _) = BatchMoments(dims, x, null);
        var std = variance.Select(v => Math.Sqrt(v + _config.Epsilon)).ToArray();
        return _config.Renorm ? RenormCorrection(mean, std) : (Ones(), new double[_config.Channels]);
    }

    public void Commit()
    {
        foreach (var (mean, variance, stddev) in _pending)
        {
            double decay;
            if (_config.Decay is not { } configured)
            {
                decay = 1 - 1.0 / (_updates + 1);
            }
            else if (_config.UseNumUpdates)
            {
                decay = Math.Min(configured, (1.0 + _updates) / (10.0 + _updates));
            }
            else
            {
                decay = configured;
            }

            for (var ch = 0; ch < _config.Channels; ch++)
            {
                if (_config.ZeroDebiasMovingMean)
                {
                    _biasedMean[ch] -= (_biasedMean[ch] - mean[ch]) * (1 - decay);
                }
                else
                {
                    MovingMean[ch] -= (MovingMean[ch] - mean[ch]) * (1 - decay);
                }

                if (_config.Renorm)
                {
                    RenormMean[ch] -= (RenormMean[ch] - mean[ch]) * (1 - _config.RenormDecay);
                    RenormStddev[ch] -= (RenormStddev[ch] - stddev[ch]) * (1 - _config.RenormDecay);
                    MovingStddev[ch] -= (MovingStddev[ch] - Math.Sqrt(variance[ch] + _config.Epsilon)) * (1 - decay);
                    MovingVariance[ch] = Math.Max(0, MovingStddev[ch] * MovingStddev[ch] - _config.Epsilon);
                }
                else
                {
                    MovingVariance[ch] -= (MovingVariance[ch] - variance[ch]) * (1 - decay);
                }
            }

            if (_config.ZeroDebiasMovingMean)
            {
                _localStep++;
                for (var ch = 0; ch < _config.Channels; ch++)
                {
                    MovingMean[ch] = _biasedMean[ch] / (1 - Math.Pow(decay, _localStep));
                }
            }

            _updates++;
        }

        _pending.Clear();
    }

    /// <summary>bn-math.md §6.2 table and §12: does this batch's moving variance get Bessel's correction?</summary>
    private bool MovingVarianceIsUnbiased(int rank, bool weighted)
    {
        if (_config.MovingVarianceCorrection != VarianceCorrection.Auto)
        {
            return _config.MovingVarianceCorrection == VarianceCorrection.Unbiased;
        }

        if (_config.Convention != Convention.TensorFlow)
        {
            return _config.Convention == Convention.PyTorch;
        }

        // contrib batch_norm: A = its own fused call, B = core layer (fused iff rank 4), C = legacy moments.
        bool fusedFlag = _config.Fused != false;
        bool inPlace = _config.Updates == UpdateMode.InPlace;
        bool canFuse = !weighted && !_config.Renorm && (rank == 2 || rank == 4);
        bool pathA = fusedFlag && canFuse && (_config.ZeroDebiasMovingMean || rank == 2 || inPlace);
        bool pathB = !pathA && !weighted && !inPlace && !_config.ZeroDebiasMovingMean;
        if (pathA)
        {
            return true;
        }

        return pathB && fusedFlag && rank == 4 && !_config.Renorm;
    }

    private (double[] R, double[] D) RenormCorrection(double[] mean, double[] std)
    {
        var c = _config.Channels;
        var r = new double[c];
        var d = new double[c];
        for (var ch = 0; ch < c; ch++)
        {
            var rs = Math.Max(RenormStddev[ch], Math.Sqrt(_config.Epsilon));
            r[ch] = std[ch] / rs;
            d[ch] = (mean[ch] - RenormMean[ch]) / rs;
            var clip = _config.RenormClipping;
            if (clip?.RMin is { } rmin && r[ch] < rmin)
            {
                r[ch] = rmin;
            }

            if (clip?.RMax is { } rmax && r[ch] > rmax)
            {
                r[ch] = rmax;
            }

            if (clip?.DMax is { } dmax)
            {
                d[ch] = Math.Max(-dmax, Math.Min(dmax, d[ch]));
            }
        }

        return (r, d);
    }

    private double[] Forward(int[] dims, double[] x, double[] mean, double[] std, double[] r, double[] d, double[] gamma, double[] beta)
    {
        var y = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            var ch = Channel(dims, i);
            y[i] = Activate(gamma[ch] * ((x[i] - mean[ch]) / std[ch] * r[ch] + d[ch]) + beta[ch]);
        }

        return y;
    }

    private (double[] Mean, double[] Variance, long N) BatchMoments(int[] dims, double[] x, double[]? weights)
    {
        var c = _config.Channels;
        var sumW = new double[c];
        var sumWx = new double[c];
        long n = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var ch = Channel(dims, i);
            var w = weights is null ? 1 : weights[BatchIndex(dims, i)];
            sumW[ch] += w;
            sumWx[ch] += w * x[i];
            if (ch == 0)
            {
                n++;
            }
        }

        var mean = sumWx.Select((s, ch) => s / sumW[ch]).ToArray();
        var sq = new double[c];
        for (var i = 0; i < x.Length; i++)
        {
            var ch = Channel(dims, i);
            var w = weights is null ? 1 : weights[BatchIndex(dims, i)];
            sq[ch] += w * (x[i] - mean[ch]) * (x[i] - mean[ch]);
        }

        return (mean, sq.Select((s, ch) => s / sumW[ch]).ToArray(), n);
    }

    private int Channel(int[] dims, int flat)
    {
        var axis = _config.DataFormat == DataFormat.Nhwc ? dims.Length - 1 : 1;
        var stride = 1;
        for (var a = dims.Length - 1; a > axis; a--)
        {
            stride *= dims[a];
        }

        return flat / stride % dims[axis];
    }

    private static int BatchIndex(int[] dims, int flat) => flat / (dims.Skip(1).Aggregate(1, (a, b) => a * b));

    private double[] Ones() => Enumerable.Repeat(1.0, _config.Channels).ToArray();

    private double Activate(double z) => _config.Activation switch
    {
        Activation.None => z,
        Activation.Relu => Math.Max(z, 0),
        Activation.Relu6 => Math.Min(Math.Max(z, 0), 6),
        Activation.Elu => z > 0 ? z : Math.Exp(z) - 1,
        Activation.Selu => 1.0507009873554805 * (z > 0 ? z : 1.6732632423543772 * (Math.Exp(z) - 1)),
        Activation.Sigmoid => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z)),
        Activation.Tanh => Math.Tanh(z),
        Activation.Softplus => Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z))),
        Activation.LeakyRelu => z > 0 ? z : 0.2 * z,
        _ => throw new ArgumentOutOfRangeException(nameof(z)),
    };

    private double ActivationDerivative(double z)
    {
        const double h = 1e-6;
        return _config.Activation switch
        {
            Activation.None => 1,
            Activation.Relu => z > 0 ? 1 : 0,
            Activation.Relu6 => z > 0 && z < 6 ? 1 : 0,
            Activation.LeakyRelu => z > 0 ? 1 : 0.2,
            Activation.Elu => z > 0 ? 1 : Math.Exp(z),
            Activation.Selu => z > 0 ? 1.0507009873554805 : 1.0507009873554805 * 1.6732632423543772 * Math.Exp(z),
            Activation.Sigmoid => Activate(z) * (1 - Activate(z)),
            Activation.Tanh => 1 - Math.Tanh(z) * Math.Tanh(z),
            Activation.Softplus => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z)),
            _ => (Activate(z + h) - Activate(z - h)) / (2 * h),
        };
    }
}
