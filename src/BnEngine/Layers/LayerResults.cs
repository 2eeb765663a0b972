using System.Numerics.Tensors;
using BnEngine.Kernels;

namespace BnEngine;

/// <summary>
/// The checks every layer call makes on what it is about to return or store, after its inputs passed
/// <see cref="LayerInputs"/> and before anything changes: finite inputs can still give a result outside float32's
/// range (or NaN from an infinite intermediate), which a client could not be sent and a state must not keep.
/// </summary>
internal static class LayerResults
{
    /// <summary>Throws unless <paramref name="tensor"/> (a result tensor) is finite; <paramref name="field"/> is the request field blamed.</summary>
    public static void Tensor(ReadOnlySpan<float> tensor, string name, string field)
    {
        var index = FiniteScan.FirstNonFinite(tensor);
        if (index >= 0)
        {
            throw TensorOverflow(name, index, tensor[index], field);
        }
    }

    /// <summary>The error for a result tensor holding <paramref name="value"/> at <paramref name="index"/>.</summary>
    public static NonFiniteResultException TensorOverflow(string name, long index, float value, string field) =>
        new(field, $"{name} would hold {value} at index {index}: with this {field} and the layer's parameters and statistics " +
                   $"the result leaves float32's range (magnitude at most {float.MaxValue:R}); nothing changed");

    /// <summary>Throws unless every per-channel value is finite.</summary>
    public static void PerChannel(ReadOnlySpan<double> values, string name, string field)
    {
        // A NaN or an infinity makes the (vectorized) sum non-finite, so a finite sum proves every value finite; a
        // non-finite sum of finite values (an overflow) only sends the check to the loop below.
        if (double.IsFinite(TensorPrimitives.Sum(values)))
        {
            return;
        }

        for (var i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw new NonFiniteResultException(field,
                    $"{name} of channel {i} would be {values[i]}: with this {field} and the layer's parameters the result is not a finite number; nothing changed");
            }
        }
    }

    /// <summary>Throws unless a scalar result is finite.</summary>
    public static void Scalar(double value, string name, string field)
    {
        if (!double.IsFinite(value))
        {
            throw new NonFiniteResultException(field,
                $"{name} would be {value}: with this {field} and the layer's parameters the result is not a finite number; nothing changed");
        }
    }

    /// <summary>Throws unless every statistic a train or commit would store is finite.</summary>
    public static void MovingStatistics(LayerState state, string field)
    {
        PerChannel(state.MovingMean, "moving_mean", field);
        PerChannel(state.MovingVariance, "moving_variance", field);
        PerChannel(state.RenormMean, "renorm_mean", field);
        PerChannel(state.RenormStddev, "renorm_stddev", field);
        PerChannel(state.MovingStddev, "the moving stddev", field);
        PerChannel(state.BiasedMovingMean, "the zero-debias accumulator of moving_mean", field);
    }
}
