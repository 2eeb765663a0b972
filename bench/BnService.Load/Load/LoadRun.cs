using System.Diagnostics;

namespace BnService.Load.Load;

/// <summary>
/// What one (scenario, size, server) run measured, in its <see cref="Round"/> (1 to --rounds); <see cref="Gc"/> is filled
/// in once the counters' samples are in.
/// </summary>
public sealed record RunResult(string Scenario, string Size, string Server, int Concurrency, int Calls, double Seconds, double[] LatenciesMs,
    long BytesPerCall, DateTime From, DateTime To, double ServerCpuMsPerCall)
{
    public int Round { get; init; } = 1;

    public double CallsPerSecond => Calls / Seconds;
    public double MibPerSecond => CallsPerSecond * BytesPerCall / (1024.0 * 1024.0);
    public double P50Ms => Percentile(0.50);
    public double P99Ms => Percentile(0.99);
    public GcFigures? Gc { get; set; }

    private double Percentile(double p) =>
        LatenciesMs.Length == 0 ? double.NaN : LatenciesMs[Math.Min(LatenciesMs.Length - 1, (int)Math.Ceiling(p * LatenciesMs.Length) - 1)];
}

/// <summary>
/// Drives <c>concurrency</c> clients, each calling in a loop (the next call once the previous answer is read), for a
/// warm-up and then a measured window. Counted: the calls that complete inside the window; the window is stretched
/// (up to four times) until at least <see cref="MinCalls"/> calls are in, so slow large batches still get a figure.
/// </summary>
public static class LoadRun
{
    public const int MinCalls = 8;

    /// <param name="serverProcessId">The server's process: its CPU time over the window, per call counted in it, is reported.</param>
    public static async Task<RunResult> RunAsync(string scenario, string size, string server, IReadOnlyList<ICaller> callers, TimeSpan warmup,
        TimeSpan measure, long bytesPerCall, int serverProcessId)
    {
        var completions = callers.Select(_ => new List<(long Start, long End)>()).ToArray();
        var stop = false;
        var wallStart = DateTime.UtcNow;
        var start = Stopwatch.GetTimestamp();
        var from = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var to = from + (long)(measure.TotalSeconds * Stopwatch.Frequency);
        var cap = from + (long)(4 * measure.TotalSeconds * Stopwatch.Frequency);

        var workers = callers.Select((caller, i) => Task.Run(async () =>
        {
            while (!Volatile.Read(ref stop))
            {
                var t0 = Stopwatch.GetTimestamp();
                await caller.CallAsync(CancellationToken.None);
                var t1 = Stopwatch.GetTimestamp();
                lock (completions[i])
                {
                    completions[i].Add((t0, t1));
                }
            }
        })).ToArray();

        long end;
        long cpuFrom = 0;
        var cpuAtFrom = double.NaN;
        while (true)
        {
            var failed = workers.FirstOrDefault(w => w.IsFaulted);
            if (failed is not null)
            {
                Volatile.Write(ref stop, true);
                await failed;
            }

            var now = Stopwatch.GetTimestamp();
            if (now >= from && cpuFrom == 0)
            {
                cpuFrom = now;
                cpuAtFrom = ProcessCpu.Seconds(serverProcessId);
            }

            if (now >= cap || (now >= to && Counted(completions, from, now) >= MinCalls))
            {
                end = now;
                break;
            }

            await Task.Delay(20);
        }

        var cpuAtEnd = ProcessCpu.Seconds(serverProcessId);
        Volatile.Write(ref stop, true);
        await Task.WhenAll(workers);

        var counted = completions.SelectMany(c => c).Where(c => c.End >= from && c.End <= end).ToArray();
        var latencies = counted.Select(c => (c.End - c.Start) * 1000.0 / Stopwatch.Frequency).Order().ToArray();
        var seconds = (end - from) / (double)Stopwatch.Frequency;
        var cpuCalls = counted.Count(c => c.End >= cpuFrom);
        var cpuMsPerCall = cpuFrom != 0 && cpuCalls > 0 ? (cpuAtEnd - cpuAtFrom) * 1000 / cpuCalls : double.NaN;
        DateTime Wall(long ticks) => wallStart + TimeSpan.FromSeconds((ticks - start) / (double)Stopwatch.Frequency);
        return new RunResult(scenario, size, server, callers.Count, counted.Length, seconds, latencies, bytesPerCall, Wall(from), Wall(end),
            cpuMsPerCall);
    }

    private static int Counted(List<(long Start, long End)>[] completions, long from, long now)
    {
        var count = 0;
        foreach (var list in completions)
        {
            lock (list)
            {
                count += list.Count(c => c.End >= from && c.End <= now);
            }
        }

        return count;
    }
}
