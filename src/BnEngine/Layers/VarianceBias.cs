using System.Numerics.Tensors;

namespace BnEngine;

/// <summary>
/// Which batch variance feeds the moving variance (bn-math.md §6.2, §7.2, §9.3, §12) and how n = 1 is handled.
/// The batch is always normalized with the biased variance; only the moving statistics differ.
/// </summary>
internal static class VarianceBias
{
    /// <summary>Whether the moving variance receives the unbiased n/(n-1) variance for this batch.</summary>
    public static bool IsUnbiased(LayerConfig config, int rank, bool weighted) => config.MovingVarianceCorrection switch
    {
        VarianceCorrection.Biased => false,
        VarianceCorrection.Unbiased => true,
        _ => config.Convention switch
        {
            Convention.PyTorch => true,
            Convention.Keras => false,
            _ => TensorFlowRunsFusedKernel(config, rank, weighted),
        },
    };

    /// <summary>
    /// TF contrib <c>batch_norm</c>'s choice of implementation (§6.2): only the FusedBatchNorm kernel returns the
    /// Bessel-corrected variance. Path A is contrib's own fused call; path B is the core layer, which (V1
    /// behaviour) fuses iff rank 4 and no renorm; path C (legacy moments) is never fused.
    /// </summary>
    public static bool TensorFlowRunsFusedKernel(LayerConfig config, int rank, bool weighted)
    {
        var fused = config.Fused ?? true;
        var deferred = config.Updates == UpdateMode.Deferred;
        var possibleToFuse = !weighted && !config.Renorm && (rank is 2 or 4);
        if (fused && possibleToFuse && (config.ZeroDebiasMovingMean || rank == 2 || !deferred))
        {
            return true; // path A
        }

        if (!weighted && deferred && !config.ZeroDebiasMovingMean)
        {
            return fused && rank == 4 && !config.Renorm; // path B
        }

        return false; // path C
    }

    /// <summary>
    /// Fills <paramref name="result"/> with the variance destined for the moving variance: biased, or var_b*n/(n-1) with the divisor clamped to 1 at
    /// n = 1 as TF's fused kernel does (§4), so a single value per channel gives 0.
    /// </summary>
    public static void ForMovingVariance(ReadOnlySpan<double> biased, long n, bool unbiased, Span<double> result)
    {
        var factor = unbiased ? (double)n / Math.Max(n - 1, 1) : 1.0;
        TensorPrimitives.Multiply(biased, factor, result);
    }
}
