namespace BnEngine.Kernels;

/// <summary>
/// How a call on the [Outer, Channels, Inner] view is cut into units of work. With Inner == 1 (NHWC) a unit is
/// one row of all channels (vectorized across channels). Otherwise a unit is a piece of one channel's contiguous
/// run of Inner values (vectorized along the run); runs are cut into pieces only when there are too few runs
/// to keep every worker busy. Workers take contiguous ranges of units.
/// </summary>
internal readonly struct WorkSplit
{
    private WorkSplit(ChannelLayout layout, int workers, int piecesPerRun)
    {
        Layout = layout;
        Workers = workers;
        PiecesPerRun = piecesPerRun;
        Units = layout.Inner == 1 ? layout.Outer : (long)layout.Outer * layout.Channels * piecesPerRun;
    }

    public ChannelLayout Layout { get; }
    public int Workers { get; }
    public int PiecesPerRun { get; }
    public long Units { get; }
    public bool ChannelsContiguous => Layout.Inner == 1;

    public static WorkSplit Of(ChannelLayout layout, KernelOptions options)
    {
        var elements = layout.PerChannel * layout.Channels;
        if (elements < options.ParallelThreshold || options.Workers <= 1 || elements == 0)
        {
            return new WorkSplit(layout, 1, 1);
        }

        var pieces = 1;
        if (layout.Inner > 1)
        {
            var runs = (long)layout.Outer * layout.Channels;
            var wanted = 4L * options.Workers;
            if (runs < wanted)
            {
                pieces = (int)Math.Min(layout.Inner, (wanted + runs - 1) / runs);
            }
        }

        var units = layout.Inner == 1 ? layout.Outer : (long)layout.Outer * layout.Channels * pieces;
        return new WorkSplit(layout, (int)Math.Max(1, Math.Min(options.Workers, units)), pieces);
    }

    /// <summary>The units worker <paramref name="worker"/> handles.</summary>
    public (long Start, long End) Range(int worker) => (Units * worker / Workers, Units * (worker + 1) / Workers);

    /// <summary>For Inner &gt; 1: the outer row, the channel and the [From, To) part of the run that a unit covers.</summary>
    public (int Outer, int Channel, int From, int To) Piece(long unit)
    {
        var run = unit / PiecesPerRun;
        var piece = (int)(unit % PiecesPerRun);
        var inner = Layout.Inner;
        return ((int)(run / Layout.Channels), (int)(run % Layout.Channels),
            (int)((long)inner * piece / PiecesPerRun), (int)((long)inner * (piece + 1) / PiecesPerRun));
    }
}
