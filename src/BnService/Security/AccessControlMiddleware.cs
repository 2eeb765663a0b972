using BnService.Layers;
using Microsoft.Extensions.Options;
using BnService.Hosting;
using StatusCode = Grpc.Core.StatusCode;

namespace BnService.Security;

/// <summary>
/// Identifies the caller of every request (an <see cref="ApiCaller"/> feature, for
/// <see cref="AccessControl.Require(HttpContext, AccessRole)"/> and the rate limiter) and refuses calls whose
/// endpoint needs more than the caller's key gives: 401 / UNAUTHENTICATED without a valid key, 403 /
/// PERMISSION_DENIED with a key of too small a role. REST answers are problem details (through the exception handler);
/// gRPC answers are real gRPC statuses. The request log gets the key's name as <c>Client</c>, never the key.
/// </summary>
internal sealed class AccessControlMiddleware(RequestDelegate next, IOptions<AuthSettings> settings, ApiKeyRing keys)
{
    private readonly bool _enabled = settings.Value.Enabled;

    public Task InvokeAsync(HttpContext http)
    {
        if (!_enabled)
        {
            http.Features.Set(ApiCaller.Unrestricted);
            return next(http);
        }

        var caller = keys.Identify(http.Request.Headers.Authorization.Count == 1 ? http.Request.Headers.Authorization[0] : null);
        if (caller is not null)
        {
            http.Features.Set(caller);
            RequestLine.Of(http).Client = caller.KeyName;
        }

        // No endpoint: Swagger's middleware or a 404, neither of which touches a layer.
        if (http.GetEndpoint() is not { } endpoint || AccessControl.Needed(endpoint) is not { } needed)
        {
            return next(http);
        }

        if (caller is null)
        {
            return Refuse(http, ServiceErrorKind.Unauthenticated, StatusCode.Unauthenticated,
                http.Request.Headers.Authorization.Count == 0
                    ? "this call needs an API key: Authorization: Bearer <key>"
                    : "the API key is not valid");
        }

        if (!caller.Role.Allows(needed))
        {
            return Refuse(http, ServiceErrorKind.PermissionDenied, StatusCode.PermissionDenied,
                $"this call needs a key with the '{needed.ApiName()}' role; key '{caller.KeyName}' has the '{caller.Role.ApiName()}' role");
        }

        return next(http);
    }

    private static Task Refuse(HttpContext http, ServiceErrorKind kind, StatusCode grpcStatus, string message) =>
        GrpcTrailersOnly.IsGrpc(http)
            ? GrpcTrailersOnly.WriteAsync(http, grpcStatus, message)
            : throw new ServiceException(kind, message);
}
