using BnService.Tests.Grpc;

namespace BnService.Tests.Security;

/// <summary>Settings and keys of a host with authentication on: one read key, one write key.</summary>
internal static class AuthenticatedHost
{
    public const string ReadKey = "read-key-0123456789abcdef";
    public const string WriteKey = "write-key-fedcba9876543210";
    public const string ReaderName = "dashboard";
    public const string WriterName = "trainer";

    public static Dictionary<string, string?> Settings(Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Auth:Enabled"] = "true",
            ["Auth:Keys:0:Name"] = ReaderName,
            ["Auth:Keys:0:Key"] = ReadKey,
            ["Auth:Keys:0:Role"] = "read",
            ["Auth:Keys:1:Name"] = WriterName,
            ["Auth:Keys:1:Key"] = WriteKey,
            ["Auth:Keys:1:Role"] = "write",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        return settings;
    }

    public static GrpcHost Start(Dictionary<string, string?>? extra = null) => GrpcHost.Start(settings: Settings(extra));
}

/// <summary>Who calls in a table-driven access test.</summary>
public enum Caller
{
    NoKey,
    WrongKey,
    ReadKey,
    WriteKey,
}

internal static class Callers
{
    public static string? Authorization(this Caller caller) => caller switch
    {
        Caller.NoKey => null,
        Caller.WrongKey => "Bearer not-a-configured-key-0000",
        Caller.ReadKey => "Bearer " + AuthenticatedHost.ReadKey,
        _ => "Bearer " + AuthenticatedHost.WriteKey,
    };
}
