using System.ComponentModel.DataAnnotations;

namespace BnService.Hosting;

/// <summary>Request limits (configuration section <c>Limits</c>), enforced on both ports before a body is buffered.</summary>
public sealed class LimitOptions
{
    public const string Section = "Limits";

    /// <summary>Largest accepted batch in bytes of float32 data; default 64 MiB. Over it: 413 / RESOURCE_EXHAUSTED.</summary>
    [Range(1024, 1L << 31)]
    public long MaxBatchBytes { get; set; } = 64L * 1024 * 1024;
}
