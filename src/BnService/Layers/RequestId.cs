namespace BnService.Layers;

/// <summary>
/// The one rule for a train call's <c>request_id</c> (REST body or <c>Idempotency-Key</c>, gRPC field): 1 to
/// <see cref="MaxLength"/> characters, none of them a control character. Ids are stored with the layer, so
/// their size is bounded.
/// </summary>
public static class RequestId
{
    public const int MaxLength = 256;

    public const string Field = "request_id";

    /// <summary>Throws a 400 / INVALID_ARGUMENT on <c>request_id</c> unless the id is absent or valid.</summary>
    public static void Validate(string? requestId)
    {
        if (requestId is null)
        {
            return;
        }

        if (requestId.Length is 0 or > MaxLength)
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument,
                $"a request_id has 1 to {MaxLength} characters; this one has {requestId.Length}", Field);
        }

        if (requestId.AsSpan().IndexOfAnyInRange('\u0000', '\u001f') >= 0 || requestId.AsSpan().IndexOfAnyInRange('\u007f', '\u009f') >= 0)
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument, "a request_id has printable characters only (no control characters)", Field);
        }
    }
}
