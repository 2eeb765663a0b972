using System.ComponentModel.DataAnnotations;

namespace BnService.Hosting;

/// <summary>Graceful shutdown (configuration section <c>Shutdown</c>); the order is in docs/service.md.</summary>
public sealed class ShutdownSettings
{
    public const string Section = "Shutdown";

    /// <summary>
    /// How long readiness reports "stopping" (503, NOT_SERVING) while the server still serves, before it stops
    /// accepting: time for load balancers to notice. Default 1 s; 0 skips it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan DrainDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The whole shutdown's budget (HostOptions.ShutdownTimeout): the drain delay, in-flight calls finishing and the
    /// silo writing its layers. Calls still running when it ends are aborted. Default 30 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
