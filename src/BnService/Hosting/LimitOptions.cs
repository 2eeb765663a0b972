using System.ComponentModel.DataAnnotations;

namespace BnService.Hosting;

/// <summary>Request limits (configuration section <c>Limits</c>), enforced on both ports before a body is buffered.</summary>
public sealed class LimitOptions
{
    public const string Section = "Limits";

    /// <summary>1 GiB: the largest <see cref="MaxBatchBytes"/>, well within the largest byte array .NET allows.</summary>
    public const long MaxBatchBytesCeiling = 1L << 30;

    /// <summary>
    /// Largest accepted batch in bytes of float32 data; default 64 MiB, at most 1 GiB (a batch is one array).
    /// Over it: 413 / RESOURCE_EXHAUSTED.
    /// </summary>
    [Range(1024, MaxBatchBytesCeiling)]
    public long MaxBatchBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// A JSON body may be this many times <see cref="MaxBatchBytes"/>: a float32 written as decimal text takes
    /// about 8 to 16 bytes against 4 in binary. Default 4; over it: 413.
    /// </summary>
    [Range(1, 16)]
    public int JsonOverheadFactor { get; set; } = 4;

    /// <summary>Largest JSON body in bytes.</summary>
    public long MaxJsonBodyBytes => MaxBatchBytes * JsonOverheadFactor;

    /// <summary>
    /// Bytes of train outputs each layer keeps in memory so a retried request_id gets the very same answer: the
    /// most recent answer always, whatever its size, and older ones within this budget (the last 1,024 ids
    /// themselves are stored with the layer, see docs/service.md). Default 16 MiB.
    /// </summary>
    [Range(0, 1L << 31)]
    public long ReplayBytesPerLayer { get; set; } = 16L * 1024 * 1024;
}
