using System.ComponentModel.DataAnnotations;

namespace BnService.Hosting;

/// <summary>The Orleans silo's identity and ports (configuration section <c>Cluster</c>).</summary>
public sealed class ClusterSettings
{
    public const string Section = "Cluster";

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    [Required(AllowEmptyStrings = false)]
    public string ClusterId { get; set; } = "bn";

    [Required(AllowEmptyStrings = false)]
    public string ServiceId { get; set; } = "bn";

    /// <summary>Empty: one node with localhost clustering. A Redis connection string: join the cluster registered there.</summary>
    public string Redis { get; set; } = "";
}
