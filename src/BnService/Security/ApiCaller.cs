namespace BnService.Security;

/// <summary>
/// Who makes a request and what they may do, set on every request by the access-control middleware (an
/// <see cref="HttpContext"/> feature). <see cref="KeyName"/> is the API key's name, never the key; null when no key
/// identified the caller.
/// </summary>
public sealed record ApiCaller(string? KeyName, AccessRole Role)
{
    /// <summary>Authentication is off: every caller may do everything.</summary>
    public static ApiCaller Unrestricted { get; } = new(null, AccessRole.Write);
}
