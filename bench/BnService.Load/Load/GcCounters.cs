using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace BnService.Load.Load;

/// <summary>What a server's garbage collector did during a measured window.</summary>
public sealed record GcFigures(double AllocatedBytes, int Gen0, int Gen1, int Gen2, double MaxHeapMb, double MaxWorkingSetMb);

/// <summary>
/// A server process's garbage collector, watched over EventPipe while the run lasts: the runtime's GC events
/// (GCAllocationTick, about every 100 KB allocated, each carrying the bytes since the previous one; GCStart with its
/// generation) and the System.Runtime counters for heap size and working set (every <see cref="IntervalSeconds"/>).
/// A window's figures come from the events stamped inside it: allocations to about 100 KB, collections exactly.
/// </summary>
public sealed class GcCounters : IDisposable
{
    public const double IntervalSeconds = 0.25;

    /// <summary>The runtime provider's GC keyword.</summary>
    private const long GcKeyword = 0x1;

    private readonly EventPipeSession _session;
    private readonly EventPipeEventSource _source;
    private readonly Thread _reader;
    private readonly ConcurrentQueue<(DateTime At, string Name, double Value)> _samples = new();

    public GcCounters(int processId)
    {
        EventPipeProvider[] providers =
        [
            new("Microsoft-Windows-DotNETRuntime", EventLevel.Verbose, GcKeyword),
            new("System.Runtime", EventLevel.Informational, 0,
                new Dictionary<string, string> { ["EventCounterIntervalSec"] = IntervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) }),
        ];
        _session = new DiagnosticsClient(processId).StartEventPipeSession(providers, requestRundown: false);
        _source = new EventPipeEventSource(_session.EventStream);
        _source.Dynamic.All += OnCounter;
        _source.Clr.GCAllocationTick += e => _samples.Enqueue((e.TimeStamp.ToUniversalTime(), "allocated", e.AllocationAmount64));
        _source.Clr.GCStart += e => _samples.Enqueue((e.TimeStamp.ToUniversalTime(), "gc", e.Depth));
        _reader = new Thread(() =>
        {
            try
            {
                _source.Process();
            }
            catch (Exception)
            {
                // The server went away: the session ends with it.
            }
        }) { IsBackground = true, Name = "gc-counters" };
        _reader.Start();
    }

    /// <summary>Allocations and collections summed, heap size and working set maximized over [from, to] (UTC).</summary>
    public GcFigures Window(DateTime from, DateTime to)
    {
        var slack = TimeSpan.FromSeconds(IntervalSeconds / 2);
        double allocated = 0, heap = 0, workingSet = 0;
        int gen0 = 0, gen1 = 0, gen2 = 0;
        foreach (var (at, name, value) in _samples)
        {
            // Events are points in time; a counter sample covers the interval before its stamp.
            var shift = name is "allocated" or "gc" ? TimeSpan.Zero : slack;
            if (at <= from + shift || at > to + shift)
            {
                continue;
            }

            switch (name)
            {
                case "allocated": allocated += value; break;
                case "gc" when value == 0: gen0++; break;
                case "gc" when value == 1: gen1++; break;
                case "gc": gen2++; break;
                case "gc-heap-size": heap = Math.Max(heap, value); break;
                case "working-set": workingSet = Math.Max(workingSet, value); break;
            }
        }

        return new GcFigures(allocated, gen0, gen1, gen2, heap, workingSet);
    }

    /// <summary>Waits for the samples of a window that just ended to arrive.</summary>
    public static Task SettleAsync() => Task.Delay(TimeSpan.FromSeconds(IntervalSeconds * 3));

    private void OnCounter(TraceEvent e)
    {
        if (e.EventName != "EventCounters" || e.PayloadValue(0) is not IDictionary<string, object> outer
            || outer.TryGetValue("Payload", out var inner) is false || inner is not IDictionary<string, object> payload)
        {
            return;
        }

        var name = payload.TryGetValue("Name", out var n) ? n as string : null;
        if (name is null)
        {
            return;
        }

        // Incrementing counters report "Increment" (per interval), polling counters "Mean".
        var value = payload.TryGetValue("Increment", out var increment) ? Convert.ToDouble(increment, System.Globalization.CultureInfo.InvariantCulture)
            : payload.TryGetValue("Mean", out var mean) ? Convert.ToDouble(mean, System.Globalization.CultureInfo.InvariantCulture)
            : double.NaN;
        if (!double.IsNaN(value))
        {
            _samples.Enqueue((e.TimeStamp.ToUniversalTime(), name, value));
        }
    }

    public void Dispose()
    {
        try
        {
            _session.Stop();
        }
        catch (Exception)
        {
            // Already gone with its process.
        }

        _reader.Join(TimeSpan.FromSeconds(5));
        _source.Dispose();
        _session.Dispose();
    }
}
