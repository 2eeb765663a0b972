using BnEngine.Activations;
using BnEngine.Kernels;

namespace BnEngine;

/// <summary>
/// The layer's forward map <c>activation((x - mean) * scale + shift)</c> with its finite checks fused block by block:
/// each block of the input is (optionally) scanned, transformed, activated and its output scanned while it is
/// still in the core's cache, so a large tensor is read from memory once and the checks cost no extra pass.
/// Blocks are valid [Outer, Channels, Inner] views (whole rows, a row's range of channels, or a piece of one
/// channel's run) handed to <see cref="ChannelKernels.Affine(ReadOnlySpan{float}, Span{float}, ChannelLayout, ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, KernelOptions)"/>
/// on one thread each; workers take contiguous ranges of blocks.
/// </summary>
internal static class FiniteCheckedAffine
{
    /// <summary>About 256 KB of input per block: it stays in a core's L2 cache between the scan and the affine step.</summary>
    public const int BlockElements = 64 * 1024;

    /// <summary>What a run found.</summary>
    public enum Outcome
    {
        /// <summary>Input and output are finite; the output is complete.</summary>
        Finite,
        /// <summary>The input holds NaN or an infinity (only with an input scan); the output is partly written.</summary>
        NonFiniteInput,
        /// <summary>The output holds NaN or an infinity at <c>index</c>: float32 overflowed; the output is partly written.</summary>
        NonFiniteOutput,
    }

    /// <summary>
    /// Writes the forward map of <paramref name="x"/> to <paramref name="y"/>. With <paramref name="scanInput"/> the
    /// input is checked first (block by block); the output is always checked. <paramref name="index"/> is the index
    /// of one non-finite output value (-1 otherwise).
    /// </summary>
    public static unsafe Outcome Run(ReadOnlySpan<float> x, Span<float> y, ChannelLayout layout,
        ReadOnlySpan<double> mean, ReadOnlySpan<double> scale, ReadOnlySpan<double> shift, Activation activation, bool scanInput,
        out long index)
    {
        var options = KernelOptions.Default;
        index = -1;
        if (x.Length <= 2 * BlockElements)
        {
            // Small enough to stay in the cache between the passes.
            if (scanInput && FiniteScan.FirstNonFinite(x) >= 0)
            {
                return Outcome.NonFiniteInput;
            }

            ChannelKernels.Affine(x, y, layout, mean, scale, shift, options);
            ActivationFunctions.Apply(activation, y);
            index = FiniteScan.FirstNonFinite(y);
            return index >= 0 ? Outcome.NonFiniteOutput : Outcome.Finite;
        }

        var blocks = new BlockSplit(layout);
        var workers = x.Length < options.ParallelThreshold ? 1 : (int)Math.Clamp(blocks.Count, 1, Math.Max(1, options.Workers));
        var single = options with { Workers = 1 };
        var channels = layout.Channels;
        var nonFiniteInput = false;
        var badOutput = -1L;
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
                    var block = input.Slice(offset, length);
                    if (scanInput && FiniteScan.FirstNonFinite(block) >= 0)
                    {
                        nonFiniteInput = true;
                        loop.Stop();
                        return;
                    }

                    var result = output.Slice(offset, length);
                    ChannelKernels.Affine(block, result, view,
                        m.Slice(first, view.Channels), s.Slice(first, view.Channels), b.Slice(first, view.Channels), single);
                    ActivationFunctions.Apply(activation, result);
                    var bad = FiniteScan.FirstNonFinite(result);
                    if (bad >= 0)
                    {
                        Interlocked.CompareExchange(ref badOutput, offset + bad, -1);
                        loop.Stop();
                        return;
                    }
                }
            });
        }

        if (nonFiniteInput)
        {
            return Outcome.NonFiniteInput;
        }

        index = badOutput;
        return index >= 0 ? Outcome.NonFiniteOutput : Outcome.Finite;
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
