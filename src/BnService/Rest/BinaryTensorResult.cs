using System.Globalization;
using BnEngine;
using BnService.Layers;

namespace BnService.Rest;

/// <summary>
/// A tensor answered as <c>application/octet-stream</c>: little-endian float32 values, the shape in
/// <c>X-Tensor-Shape</c> and, for train, the step in <c>X-Layer-Step</c> and pending updates in <c>X-Pending-Updates</c>.
/// </summary>
/// <remarks>Documented in OpenAPI by <see cref="RequestBodyDocFilter"/> on routes that accept binary bodies.</remarks>
public sealed class BinaryTensorResult(TensorData tensor, long? step = null, int? pendingUpdates = null) : IResult
{
    public const string StepHeader = "X-Layer-Step";
    public const string PendingHeader = "X-Pending-Updates";

    public TensorData Tensor => tensor;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = RequestBodies.Binary;
        response.ContentLength = tensor.Bytes.Length;
        response.Headers[RequestBodies.ShapeHeader] = ShapeText(tensor.Shape.Dims);
        if (step is { } s)
        {
            response.Headers[StepHeader] = s.ToString(CultureInfo.InvariantCulture);
        }

        if (pendingUpdates is { } p)
        {
            response.Headers[PendingHeader] = p.ToString(CultureInfo.InvariantCulture);
        }

        await ResponseBodies.WriteWholeAsync(response, tensor.Bytes, httpContext.RequestAborted);
    }

    /// <summary>The sizes comma-separated (<c>32,8,8,64</c>), formatted into one string without a copy of the shape.</summary>
    public static string ShapeText(ReadOnlySpan<int> dims)
    {
        // Sizes of at most 10 digits, and their commas.
        Span<char> text = dims.Length <= TensorShape.MaxRank ? stackalloc char[TensorShape.MaxRank * 11] : new char[dims.Length * 11];
        var length = 0;
        for (var i = 0; i < dims.Length; i++)
        {
            if (i > 0)
            {
                text[length++] = ',';
            }

            dims[i].TryFormat(text[length..], out var written, provider: CultureInfo.InvariantCulture);
            length += written;
        }

        return new string(text[..length]);
    }
}
