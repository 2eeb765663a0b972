using System.Numerics.Tensors;
using BnEngine.Kernels;

namespace BnEngine;

/// <summary>The checks every layer call makes on what a client sent, before anything changes (api.md "Tensors").</summary>
internal static class LayerInputs
{
    public const int MinRank = 2;

    /// <summary>The [Outer, C, Inner] view of <paramref name="shape"/>; throws unless rank is 2..5 and the channel axis is C.</summary>
    public static ChannelLayout Layout(LayerConfig config, TensorShape shape, string field = "input.shape")
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Rank is < MinRank or > TensorShape.MaxRank)
        {
            throw new InvalidShapeException(field, $"expected rank {MinRank} to {TensorShape.MaxRank}, got rank {shape.Rank}");
        }

        var axis = config.DataFormat == DataFormat.Nhwc ? shape.Rank - 1 : 1;
        if (shape[axis] != config.Channels)
        {
            var format = config.DataFormat == DataFormat.Nhwc ? "NHWC" : "NCHW";
            throw new InvalidShapeException(field,
                $"the channel axis ({axis}, {format}) of {shape} has size {shape[axis]} but the layer has {config.Channels} channels");
        }

        return ChannelLayout.Of(shape, config.DataFormat);
    }

    /// <summary>Throws unless <paramref name="data"/> holds exactly the shape's element count of finite values.</summary>
    public static void Data(TensorShape shape, ReadOnlySpan<float> data, string field)
    {
        shape.EnsureLength(data.Length, field);
        FiniteUnless(false, data, field);
    }

    /// <summary>
    /// Sums in double of finite float32 values cannot overflow, so a per-channel sum over the data is finite
    /// exactly when the data is: the statistics a call computes anyway stand in for a separate pass. When
    /// <paramref name="sumsAreFinite"/> is false, this finds the offending value and throws.
    /// </summary>
    public static void FiniteUnless(bool sumsAreFinite, ReadOnlySpan<float> data, string field)
    {
        if (sumsAreFinite)
        {
            return;
        }

        var index = FiniteScan.FirstNonFinite(data);
        if (index >= 0)
        {
            throw new NonFiniteInputException(field, $"{field} holds {data[index]} at index {index}; every value must be finite");
        }
    }

    /// <summary>
    /// Whether every value is finite. The values are per-channel sums or statistics of float32 data, far below
    /// double's range, so their sum is non-finite only if one of them already is.
    /// </summary>
    public static bool AllFinite(ReadOnlySpan<double> values) => double.IsFinite(TensorPrimitives.Sum(values));

    /// <summary>A buffer the caller passed for results must have the element count (a programming error otherwise).</summary>
    public static void Destination(TensorShape shape, int length, string name)
    {
        if (length != shape.ElementCount)
        {
            throw new ArgumentException($"{name} has {length} values but the shape {shape} needs {shape.ElementCount}", name);
        }
    }

    /// <summary>An output written over its input must be exactly the input: a shifted overlap would overwrite values not read yet.</summary>
    public static void SameOrApart(ReadOnlySpan<float> input, ReadOnlySpan<float> output, string name)
    {
        if (input.Overlaps(output, out var offset) && (offset != 0 || input.Length != output.Length))
        {
            throw new ArgumentException($"{name} overlaps the input without being the input itself", name);
        }
    }

    /// <summary>TF <c>batch_weights</c>: shape[0] finite, non-negative values, not all zero.</summary>
    public static void BatchWeights(TensorShape shape, ReadOnlySpan<float> weights)
    {
        const string field = "batch_weights";
        if (weights.Length != shape[0])
        {
            throw new InvalidShapeException(field, $"batch_weights has {weights.Length} values but the batch has {shape[0]}");
        }

        var any = false;
        for (var i = 0; i < weights.Length; i++)
        {
            var w = weights[i];
            if (!float.IsFinite(w))
            {
                throw new NonFiniteInputException(field, $"batch_weights holds {w} at index {i}; every weight must be finite");
            }

            if (w < 0)
            {
                throw new InvalidOptionException(field, $"batch_weights holds {w} at index {i}; weights must not be negative");
            }

            any |= w > 0;
        }

        if (!any)
        {
            throw new InvalidOptionException(field, "batch_weights are all zero, so the weighted mean and variance are undefined");
        }
    }

    public static void LearningRate(double learningRate)
    {
        if (!double.IsFinite(learningRate) || learningRate < 0)
        {
            throw new InvalidOptionException("apply.learning_rate", $"apply.learning_rate must be a finite number of at least 0, got {learningRate}");
        }
    }
}
