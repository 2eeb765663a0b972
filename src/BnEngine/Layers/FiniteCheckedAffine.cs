using BnEngine.Activations;
using BnEngine.Kernels;

namespace BnEngine;

/// <summary>
/// The layer's forward map <c>activation((x - mean) * scale + shift)</c> with its finite check fused: the affine
/// kernel reports from the same pass whether its results are all finite
/// (<see cref="ChannelKernels.AffineAllFinite"/>), so only a failing call scans for the bad value. Without an
/// activation that is one call over the whole tensor, fanned out over the cores; with one, each block is
/// transformed and activated while it is still in the core's cache. One check of the affine result serves two
/// purposes: the affine step carries NaN and infinities through (NaN stays NaN, an infinity becomes an infinity
/// or, times 0, NaN), so a non-finite input always shows there, next to a finite input that overflowed float32.
/// Blocks are valid [Outer, Channels, Inner] views (whole rows, a row's range of channels, or a piece of one
/// channel's run) handed to the kernel on one thread each; workers take contiguous ranges of blocks.
/// </summary>
internal static class FiniteCheckedAffine
{
    /// <summary>About 256 KB of input per block: the block's result stays in a core's L2 cache for the activation and its scan.</summary>
    public const int BlockElements = 64 * 1024;

    /// <summary>
    /// Writes the forward map of <paramref name="x"/> to <paramref name="y"/> and returns -1 when every affine result
    /// and every output is finite. Otherwise returns the index of one non-finite value of <paramref name="y"/> (a
    /// non-finite input or an overflow: the caller tells them apart), with <paramref name="y"/> partly written.
    /// </summary>
    public static unsafe long Run(ReadOnlySpan<float> x, Span<float> y, ChannelLayout layout,
        ReadOnlySpan<double> mean, ReadOnlySpan<double> scale, ReadOnlySpan<double> shift, Activation activation)
    {
        var options = KernelOptions.Default;
        if (x.Length <= 2 * BlockElements || activation == Activation.None)
        {
            // Small enough to stay in the cache between the passes, or nothing after the affine step, whose kernel
            // reports non-finite results from the same pass: one call, fanned out over the cores.
            var finite = ChannelKernels.AffineAllFinite(x, y, layout, mean, scale, shift, options);
            return Finish(y, finite, activation);
        }

        var blocks = new BlockSplit(layout);
        var workers = x.Length < options.ParallelThreshold ? 1 : (int)Math.Clamp(blocks.Count, 1, Math.Max(1, options.Workers));
        var single = options with { Workers = 1 };
        var channels = layout.Channels;
        var found = -1L;
        fixed (float* px = x, py = y)
        fixed (double* pm = mean, ps = scale, pb = shift)
        {
            var (xAt, yAt, n) = ((nint)px, (nint)py, x.Length);
            var (mAt, sAt, bAt) = ((nint)pm, (nint)ps, (nint)pb);
            Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, (worker, loop) =>
            {
                var input = new ReadOnlySpan<float>((void*)xAt, n);
                var output = new Span<float>((void*)yAt, n);
                var m = new ReadOnlySpan<double>((void*)mAt, channels);
                var s = new ReadOnlySpan<double>((void*)sAt, channels);
                var b = new ReadOnlySpan<double>((void*)bAt, channels);
                for (var i = blocks.Count * worker / workers; i < blocks.Count * (worker + 1) / workers && !loop.IsStopped; i++)
                {
                    var (offset, view, first) = blocks[i];
                    var length = view.Outer * view.Channels * view.Inner;
                    var result = output.Slice(offset, length);
                    var finite = ChannelKernels.AffineAllFinite(input.Slice(offset, length), result, view,
                        m.Slice(first, view.Channels), s.Slice(first, view.Channels), b.Slice(first, view.Channels), single);
                    var bad = Finish(result, finite, activation);
                    if (bad >= 0)
                    {
                        Interlocked.CompareExchange(ref found, offset + bad, -1);
                        loop.Stop();
                        return;
                    }
                }
            });
        }

        return found;
    }

    /// <summary>
    /// After the affine step (which reported whether its results are all finite): finds a non-finite result, or
    /// activates the results and, for an activation that can overflow, scans them.
    /// </summary>
    private static int Finish(Span<float> result, bool affineFinite, Activation activation)
    {
        if (!affineFinite)
        {
            return FiniteScan.FirstNonFinite(result);
        }

        ActivationFunctions.Apply(activation, result);
        // selu multiplies positive values by 1.0507; every other activation maps finite values to finite values.
        return activation == Activation.Selu ? FiniteScan.FirstNonFinite(result) : -1;
    }

    /// <summary>The blocks of one [Outer, Channels, Inner] view: (offset, the block's own view, its first channel).</summary>
    internal readonly struct BlockSplit
    {
        private readonly ChannelLayout _layout;
        private readonly int _rowsPerBlock;
        private readonly int _channelsPerBlock;
        private readonly int _blocksPerRow;
        private readonly int _piecesPerRun;

        public BlockSplit(ChannelLayout layout, int blockElements = BlockElements)
        {
            _layout = layout;
            var (outer, channels, inner) = layout;
            var row = (long)channels * inner;
            if (inner == 1 || row <= blockElements)
            {
                // Whole rows (NHWC rows are never cut: their channels are interleaved).
                _rowsPerBlock = (int)Math.Max(1, blockElements / row);
                Count = (outer + _rowsPerBlock - 1) / _rowsPerBlock;
            }
            else if (inner <= blockElements)
            {
                _channelsPerBlock = blockElements / inner;
                _blocksPerRow = (channels + _channelsPerBlock - 1) / _channelsPerBlock;
                Count = (long)outer * _blocksPerRow;
            }
            else
            {
                _piecesPerRun = (inner + blockElements - 1) / blockElements;
                Count = (long)outer * channels * _piecesPerRun;
            }
        }

        public long Count { get; }

        public (int Offset, ChannelLayout View, int FirstChannel) this[long block]
        {
            get
            {
                var (outer, channels, inner) = _layout;
                if (_rowsPerBlock > 0)
                {
                    var firstRow = (int)(block * _rowsPerBlock);
                    var rows = Math.Min(_rowsPerBlock, outer - firstRow);
                    return (firstRow * channels * inner, new ChannelLayout(rows, channels, inner), 0);
                }

                if (_channelsPerBlock > 0)
                {
                    var row = (int)(block / _blocksPerRow);
                    var firstChannel = (int)(block % _blocksPerRow) * _channelsPerBlock;
                    var count = Math.Min(_channelsPerBlock, channels - firstChannel);
                    return ((row * channels + firstChannel) * inner, new ChannelLayout(1, count, inner), firstChannel);
                }

                var run = block / _piecesPerRun;
                var piece = block % _piecesPerRun;
                var from = (int)(inner * piece / _piecesPerRun);
                var to = (int)(inner * (piece + 1) / _piecesPerRun);
                return ((int)(run * inner + from), new ChannelLayout(1, 1, to - from), (int)(run % channels));
            }
        }
    }
}
