using System.Buffers;
using System.IO.Pipelines;

namespace BnService.Rest;

/// <summary>
/// A response pipe asked for at least <see cref="SegmentBytes"/> at a time, for an answer written as it is produced
/// (JSON text). Asked for what a writer needs, the pipe hands out Kestrel's 4 KiB blocks, each leased, metered and sent
/// apart; a large segment comes from the shared array pool in one piece (as <see cref="ResponseBodies.WriteWholeAsync"/>
/// does for binary answers).
/// </summary>
public sealed class LargeSegments(PipeWriter pipe) : IBufferWriter<byte>
{
    /// <summary>The least a segment of the body asks of the pipe.</summary>
    public const int SegmentBytes = 256 * 1024;

    public void Advance(int count) => pipe.Advance(count);

    public Memory<byte> GetMemory(int sizeHint = 0) => pipe.GetMemory(Math.Max(sizeHint, SegmentBytes));

    public Span<byte> GetSpan(int sizeHint = 0) => pipe.GetSpan(Math.Max(sizeHint, SegmentBytes));
}
