using System.ComponentModel.DataAnnotations;

namespace BnService.Security;

/// <summary>
/// Rate limits (configuration section <c>RateLimit</c>), off by default: a token bucket per client (the API key's name,
/// else the remote IP address) and one per layer, shared by REST and gRPC. A call takes one token from each.
/// </summary>
public sealed class RateLimitSettings
{
    public const string Section = "RateLimit";

    public bool Enabled { get; set; }

    [Required]
    public TokenBucketSettings PerClient { get; set; } = new();

    [Required]
    public TokenBucketSettings PerLayer { get; set; } = new();
}

/// <summary>One token bucket: <see cref="Burst"/> tokens at most, <see cref="TokensPerPeriod"/> added every <see cref="Period"/>.</summary>
public sealed class TokenBucketSettings
{
    [Range(1, 1_000_000)]
    public int TokensPerPeriod { get; set; } = 100;

    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan Period { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The bucket's size: how many calls may come at once after a quiet spell.</summary>
    [Range(1, 1_000_000)]
    public int Burst { get; set; } = 200;

    /// <summary>Calls that wait for a token instead of being refused at once; 0 (the default) refuses at once.</summary>
    [Range(0, 10_000)]
    public int QueueLimit { get; set; }
}
