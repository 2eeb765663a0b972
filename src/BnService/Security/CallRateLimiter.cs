using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace BnService.Security;

/// <summary>What a call is counted against: its client and, when it names one, its layer (null: not limited on that axis).</summary>
public readonly record struct RateLimitedCall(string? Client, string? Layer)
{
    /// <summary>The client of a request: the API key's name when a key identified it, else the remote IP address.</summary>
    public static string ClientOf(HttpContext http) =>
        http.Features.Get<ApiCaller>()?.KeyName is { } key ? "key:" + key : "ip:" + (http.Connection.RemoteIpAddress ?? IPAddress.None);
}

/// <summary>
/// The one rate limiter of the process: a token bucket per client chained with one per layer
/// (System.Threading.RateLimiting). REST reaches it through ASP.NET Core's rate-limiting middleware, gRPC through
/// <see cref="GrpcRateLimitInterceptor"/>, so a layer's budget is the same whichever protocol spends it.
/// </summary>
public sealed class CallRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<RateLimitedCall> _limiter;
    private readonly TimeSpan _fallbackRetryAfter;

    public CallRateLimiter(IOptions<RateLimitSettings> options)
    {
        var settings = options.Value;
        var perClient = PartitionedRateLimiter.Create<RateLimitedCall, string>(call =>
            call.Client is { } client ? RateLimitPartition.GetTokenBucketLimiter(client, _ => Bucket(settings.PerClient)) : RateLimitPartition.GetNoLimiter(""));
        var perLayer = PartitionedRateLimiter.Create<RateLimitedCall, string>(call =>
            call.Layer is { } layer ? RateLimitPartition.GetTokenBucketLimiter(layer, _ => Bucket(settings.PerLayer)) : RateLimitPartition.GetNoLimiter(""));
        _limiter = PartitionedRateLimiter.CreateChained(perClient, perLayer);
        _fallbackRetryAfter = settings.PerClient.Period > settings.PerLayer.Period ? settings.PerClient.Period : settings.PerLayer.Period;
    }

    /// <summary>The same limiter seen from a request; <paramref name="callOf"/> says what the request is counted against.</summary>
    public PartitionedRateLimiter<HttpContext> ForRequests(Func<HttpContext, RateLimitedCall> callOf) => _limiter.WithTranslatedKey(callOf, leaveOpen: true);

    public ValueTask<RateLimitLease> AcquireAsync(RateLimitedCall call, CancellationToken cancellationToken) => _limiter.AcquireAsync(call, 1, cancellationToken);

    /// <summary>Whole seconds until a refused call may succeed (at least 1), for <c>Retry-After</c>.</summary>
    public int RetryAfterSeconds(RateLimitLease lease)
    {
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : _fallbackRetryAfter;
        return (int)Math.Clamp(Math.Ceiling(wait.TotalSeconds), 1, int.MaxValue);
    }

    public void Dispose() => _limiter.Dispose();

    private static TokenBucketRateLimiterOptions Bucket(TokenBucketSettings settings) => new()
    {
        TokenLimit = settings.Burst,
        TokensPerPeriod = settings.TokensPerPeriod,
        ReplenishmentPeriod = settings.Period,
        QueueLimit = settings.QueueLimit,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        AutoReplenishment = true,
    };
}
