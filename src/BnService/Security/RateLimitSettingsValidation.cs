using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BnService.Security;

/// <summary>Each bucket's settings checked at start (data annotations do not look into nested objects), named by their key.</summary>
internal sealed class RateLimitSettingsValidation : IValidateOptions<RateLimitSettings>
{
    public ValidateOptionsResult Validate(string? name, RateLimitSettings options)
    {
        var failures = new List<string>();
        Check(options.PerClient, nameof(RateLimitSettings.PerClient), failures);
        Check(options.PerLayer, nameof(RateLimitSettings.PerLayer), failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(TokenBucketSettings bucket, string key, List<string> failures)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(bucket, new ValidationContext(bucket), results, validateAllProperties: true))
        {
            failures.AddRange(results.Select(r => $"{RateLimitSettings.Section}:{key}:{string.Join(',', r.MemberNames)}: {r.ErrorMessage}"));
        }
    }
}
