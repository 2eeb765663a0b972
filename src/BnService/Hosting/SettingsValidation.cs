using Microsoft.Extensions.Options;

namespace BnService.Hosting;

/// <summary>
/// The rules between settings that attributes cannot express: what each storage kind needs, and Redis
/// connection strings that parse.
/// </summary>
internal sealed class StorageSettingsValidation : IValidateOptions<StorageSettings>
{
    public ValidateOptionsResult Validate(string? name, StorageSettings options) => options.Kind switch
    {
        StorageSettings.Memory => ValidateOptionsResult.Success,
        StorageSettings.File when string.IsNullOrWhiteSpace(options.Path) => ValidateOptionsResult.Fail(
            $"Storage:Kind '{StorageSettings.File}' needs Storage:Path, the folder that holds the layer files."),
        StorageSettings.File => ValidateOptionsResult.Success,
        StorageSettings.RedisKind when string.IsNullOrWhiteSpace(options.Redis) => ValidateOptionsResult.Fail(
            $"Storage:Kind '{StorageSettings.RedisKind}' needs Storage:Redis, a Redis connection string."),
        StorageSettings.RedisKind => RedisConnection.Validate("Storage:Redis", options.Redis),
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
            : RedisConnection.Validate("Cluster:Redis", options.Redis);
    }
}

/// <summary>Redis connection strings from configuration: parsed once here, so that a bad one is reported by validation, never thrown while the silo is being built.</summary>
internal static class RedisConnection
{
    public static ValidateOptionsResult Validate(string key, string connection) =>
        TryParse(connection, out _, out var error)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{key} is not a Redis connection string: {error}");

    public static bool TryParse(string connection, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out StackExchange.Redis.ConfigurationOptions? options, out string error)
    {
        error = "";
        options = null;
        if (string.IsNullOrWhiteSpace(connection))
        {
            error = "it is empty";
            return false;
        }

        try
        {
            options = StackExchange.Redis.ConfigurationOptions.Parse(connection);
            return true;
        }
        catch (ArgumentException e)
        {
            error = e.Message;
            return false;
        }
    }
}
