using System.Globalization;
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
        response.Headers[RequestBodies.ShapeHeader] = string.Join(',', tensor.Shape.ToArray());
        if (step is { } s)
        {
            response.Headers[StepHeader] = s.ToString(CultureInfo.InvariantCulture);
        }

        if (pendingUpdates is { } p)
        {
            response.Headers[PendingHeader] = p.ToString(CultureInfo.InvariantCulture);
        }

        await response.Body.WriteAsync(tensor.Bytes, httpContext.RequestAborted);
    }
}
