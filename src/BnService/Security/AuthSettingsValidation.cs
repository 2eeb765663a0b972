using Microsoft.Extensions.Options;

namespace BnService.Security;

/// <summary>Auth settings checked at start with the very code that loads the keys: a bad key stops the process with its setting named.</summary>
internal sealed class AuthSettingsValidation : IValidateOptions<AuthSettings>
{
    public ValidateOptionsResult Validate(string? name, AuthSettings options) =>
        ApiKeyRing.TryLoad(options, out _, out var error) ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(error);
}
