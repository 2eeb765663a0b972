using System.Diagnostics;

namespace BnService.Telemetry;

/// <summary>
/// Keeps ASP.NET Core making an Activity for every request when no trace exporter listens: the W3C trace id a problem
/// body's <c>trace_id</c> gives, the one JSON log lines carry, and the caller's <c>traceparent</c> continued in both.
/// Propagation only: no tags, no export. With OTLP set, OpenTelemetry's own listener records them in full.
/// </summary>
internal sealed class RequestActivities : IHostedService, IDisposable
{
    /// <summary>ASP.NET Core's activity source for incoming requests.</summary>
    public const string SourceName = "Microsoft.AspNetCore";

    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name == SourceName,
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
    };

    public Task StartAsync(CancellationToken cancellationToken)
    {
        ActivitySource.AddActivityListener(_listener);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _listener.Dispose();
}
