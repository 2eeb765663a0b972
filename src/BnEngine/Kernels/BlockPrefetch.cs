using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace BnEngine.Kernels;

/// <summary>
/// NHWC kernels read a block of rows column by column (a vector of channels from each row in turn), which the
/// hardware prefetchers do not follow well on arrays far larger than the cache. While a block is processed, the
/// next block's cache lines are prefetched, spread evenly over the block's columns. A prefetch is only a hint:
/// an address that is stale (the array moved) or never used costs nothing but the hint.
/// </summary>
internal unsafe struct BlockPrefetch
{
    private const int LineBytes = 64;
    private readonly byte* _next;
    private readonly nuint _bytes;
    private readonly int _channels;
    private nuint _done;

    /// <summary>
    /// Prefetches <paramref name="rows"/> rows of <paramref name="channels"/> floats starting at element
    /// <paramref name="nextBlockStart"/> of <paramref name="data"/>, or nothing when <paramref name="enabled"/> is false.
    /// </summary>
    public BlockPrefetch(ref float data, nuint nextBlockStart, int rows, int channels, bool enabled)
    {
        _next = enabled && Sse.IsSupported ? (byte*)Unsafe.AsPointer(ref Unsafe.Add(ref data, nextBlockStart)) : null;
        _bytes = (nuint)rows * (nuint)channels * sizeof(float);
        _channels = channels;
        _done = 0;
    }

    /// <summary>Call after the columns before channel <paramref name="channelEnd"/> are done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Advance(int channelEnd)
    {
        if (_next == null)
        {
            return;
        }

        var until = _bytes * (nuint)channelEnd / (nuint)_channels;
        for (; _done < until; _done += LineBytes)
        {
            Sse.Prefetch0(_next + _done);
        }
    }
}
