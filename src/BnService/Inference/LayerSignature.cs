using BnEngine;
using BnService.Layers;

namespace BnService.Inference;

/// <summary>A tensor as model metadata describes it; -1 marks a dimension of any size.</summary>
public sealed record TensorMetadata(string Name, string Datatype, long[] Shape);

/// <summary>
/// The signature of a layer served as a model (one FP32 input <c>input</c>, one FP32 output <c>output</c> of the
/// same shape) and the checks every wire applies to a request against it. Values and channels are checked by
/// the layer itself, as on /v1.
/// </summary>
public static class LayerSignature
{
    /// <summary>The input rank /v1 accepts too; metadata shows rank 4 (see <see cref="Metadata"/>).</summary>
    public const int MinRank = 2;

    /// <summary>
    /// The input's and output's metadata: rank 4 with the channel count C at the layer's channel axis,
    /// <c>[-1, -1, -1, C]</c> for NHWC and <c>[-1, C, -1, -1]</c> for NCHW. Ranks 2 to 5 are accepted, with the
    /// channel axis last (NHWC) or at 1 (NCHW); one metadata shape cannot say so, so it shows the images' rank.
    /// </summary>
    public static (TensorMetadata Input, TensorMetadata Output) Metadata(LayerConfig config)
    {
        long c = config.Channels;
        long[] shape = config.DataFormat == DataFormat.Nchw ? [-1, c, -1, -1] : [-1, -1, -1, c];
        return (new TensorMetadata(InferenceProtocol.InputName, InferenceProtocol.Fp32, shape),
            new TensorMetadata(InferenceProtocol.OutputName, InferenceProtocol.Fp32, (long[])shape.Clone()));
    }

    /// <summary>A request carries exactly one input.</summary>
    public static void CheckInputCount(int count, string field = "inputs")
    {
        if (count != 1)
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument,
                $"a layer takes exactly one input, '{InferenceProtocol.InputName}'; the request has {count}", field);
        }
    }

    /// <summary>The input is named <c>input</c> and holds FP32 values; <paramref name="field"/> is e.g. <c>inputs[0]</c>.</summary>
    public static void CheckInput(string name, string datatype, string field)
    {
        if (!string.Equals(name, InferenceProtocol.InputName, StringComparison.Ordinal))
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument,
                $"a layer's input is named '{InferenceProtocol.InputName}', not '{name}'", field + ".name");
        }

        if (!string.Equals(datatype, InferenceProtocol.Fp32, StringComparison.Ordinal))
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument,
                $"a layer's input holds {InferenceProtocol.Fp32} values, not '{datatype}'", field + ".datatype");
        }
    }

    /// <summary>A requested output is named <c>output</c>; <paramref name="field"/> is e.g. <c>outputs[0]</c>.</summary>
    public static void CheckOutput(string name, string field)
    {
        if (!string.Equals(name, InferenceProtocol.OutputName, StringComparison.Ordinal))
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument,
                $"a layer's output is named '{InferenceProtocol.OutputName}', not '{name}'", field + ".name");
        }
    }

    /// <summary>The input's shape: rank 2 to 5, every dimension at least 1, at most <paramref name="maxBytes"/> of float32 (413 past it).</summary>
    public static TensorShape Shape(IReadOnlyList<long> dims, string field, long maxBytes)
    {
        var shape = TensorShape.Create(dims, field + ".shape", MinRank);
        if (4L * shape.ElementCount > maxBytes)
        {
            throw new ServiceException(ServiceErrorKind.TooLarge,
                $"the shape {shape} holds {4L * shape.ElementCount} bytes of float32, over the limit of {maxBytes}", field);
        }

        return shape;
    }

    /// <summary>Raw contents hold exactly the shape's float32 values (<paramref name="field"/> names the contents).</summary>
    public static void CheckByteCount(long bytes, TensorShape shape, string field)
    {
        if (bytes != 4L * shape.ElementCount)
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument,
                $"{bytes} bytes, but the shape {shape} needs {4L * shape.ElementCount} (little-endian float32)", field);
        }
    }
}
