using System.ComponentModel.DataAnnotations;

namespace BnService.Telemetry;

/// <summary>Configuration section <c>Telemetry</c>.</summary>
public sealed class TelemetrySettings
{
    public const string Section = "Telemetry";

    /// <summary>
    /// Layers that get their own <c>layer</c> tag on the service's metrics, per node; calls on further layers are
    /// counted under <c>layer="_other"</c>, so the number of series stays bounded. 0: no per-layer series at all.
    /// </summary>
    [Range(0, 100_000)]
    public int MaxLayerSeries { get; set; } = 100;
}
