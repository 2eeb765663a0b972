using Microsoft.Extensions.Options;

namespace BnService.Hosting;

/// <summary>
/// The rules between settings that attributes cannot express. Kinds a later release adds (file and redis
/// storage, Redis clustering) are recognized and refused with a clear message instead of being ignored.
/// </summary>
internal sealed class StorageSettingsValidation : IValidateOptions<StorageSettings>
{
    public ValidateOptionsResult Validate(string? name, StorageSettings options) => options.Kind switch
    {
        StorageSettings.Memory => ValidateOptionsResult.Success,
        StorageSettings.File when string.IsNullOrWhiteSpace(options.Path) => ValidateOptionsResult.Fail(
            $"Storage:Kind '{StorageSettings.File}' needs Storage:Path, the folder that holds the layer files."),
        StorageSettings.File => ValidateOptionsResult.Success,
        StorageSettings.RedisKind => ValidateOptionsResult.Fail(
            $"Storage:Kind '{options.Kind}' is not available in this build yet; use '{StorageSettings.Memory}' or '{StorageSettings.File}'."),
        _ => ValidateOptionsResult.Fail(
            $"Storage:Kind '{options.Kind}' is unknown; expected '{StorageSettings.Memory}', '{StorageSettings.File}' or '{StorageSettings.RedisKind}'."),
    };
}

internal sealed class ClusterSettingsValidation : IValidateOptions<ClusterSettings>
{
    public ValidateOptionsResult Validate(string? name, ClusterSettings options)
    {
        if (options.SiloPort == options.GatewayPort)
        {
            return ValidateOptionsResult.Fail($"Cluster:SiloPort and Cluster:GatewayPort must differ (both are {options.SiloPort}).");
        }

        return string.IsNullOrWhiteSpace(options.Redis)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Cluster:Redis clustering is not available in this build yet; leave it empty for one node.");
    }
}
