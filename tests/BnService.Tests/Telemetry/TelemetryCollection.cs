namespace BnService.Tests.Telemetry;

/// <summary>
/// The telemetry tests run alone. Every test host in this process creates a meter named "BnService" with the same
/// instruments, and OpenTelemetry subscribes to meters by name: while another host is alive its instruments join
/// this host's metrics, and when that host stops its disposed instruments can take this host's series with them.
/// In a real process there is one host; here the tests that read /metrics or OTLP must not share the process's time.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "telemetry";
}
