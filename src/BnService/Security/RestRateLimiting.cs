using System.Globalization;
using BnService.Rest;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace BnService.Security;

/// <summary>
/// ASP.NET Core's rate-limiting middleware over <see cref="CallRateLimiter"/> for REST: every call to an endpoint that
/// needs a key is counted against its client and its route's layer (<c>{name}</c>). Open endpoints (health), requests
/// that match no endpoint (Swagger's files) and gRPC calls (counted by <see cref="GrpcRateLimitInterceptor"/>, which sees
/// the layer in the message) are not counted here. A refused call gets 429 problem details with <c>Retry-After</c>.
/// </summary>
internal static class RestRateLimiting
{
    public static void Configure(RateLimiterOptions options, CallRateLimiter limiter)
    {
        options.GlobalLimiter = limiter.ForRequests(CallOf);
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.OnRejected = (context, _) =>
        {
            var http = context.HttpContext;
            var seconds = limiter.RetryAfterSeconds(context.Lease);
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return new ValueTask(ProblemMapping.WriteAsync(http, new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                // The framework's status-to-type table has no 429; RFC 6585 defines it.
                Type = "https://tools.ietf.org/html/rfc6585#section-4",
                Title = "Too many requests",
                Detail = $"the rate limit of this client or layer is spent; retry after {seconds} s",
            }));
        };
    }

    private static RateLimitedCall CallOf(HttpContext http) =>
        http.GetEndpoint() is not { } endpoint || AccessControl.Needed(endpoint) is null || GrpcTrailersOnly.IsGrpc(http)
            ? default
            : new RateLimitedCall(RateLimitedCall.ClientOf(http), http.GetRouteValue("name") as string);
}
