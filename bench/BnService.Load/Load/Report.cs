using System.Globalization;

namespace BnService.Load.Load;

/// <summary>
/// The table (markdown) and the <c>ratio</c> lines that bench/run.sh passes on. With several rounds a row is all the
/// rounds of its scenario, size and server together (calls over their total time, latencies pooled), and a ratio is the
/// median of the rounds' own ratios (each of an echo run and the service run right after it), with their range.
/// </summary>
public static class Report
{
    public static void Print(IReadOnlyList<RunResult> results, TextWriter output)
    {
        var rows = results.GroupBy(r => (r.Scenario, r.Size, r.Server)).Select(Merge).ToArray();
        output.WriteLine("| scenario | size | server | clients | calls/s | MiB/s | p50 ms | p99 ms | ratio to echo | server CPU µs/call | CPU ratio | alloc KiB/call | gen0 | gen1 | gen2 | max heap MiB |");
        output.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in rows)
        {
            var echo = r.Server == "service" ? Echo(rows, r) : null;
            var ratio = echo is null ? "" : RatioText(VsEcho(results, r.Scenario, r.Size), 2);
            var cpuRatio = echo is null ? "" : F(r.ServerCpuMsPerCall / echo.ServerCpuMsPerCall, 2);
            var gc = r.Gc;
            var alloc = gc is null || r.Calls == 0 ? "" : F(gc.AllocatedBytes / r.Calls / 1024, 1);
            output.WriteLine($"| {r.Scenario} | {r.Size} | {r.Server} | {r.Concurrency} | {F(r.CallsPerSecond, 1)} | {F(r.MibPerSecond, 1)} | " +
                             $"{F(r.P50Ms, 2)} | {F(r.P99Ms, 2)} | {ratio} | {F(1000 * r.ServerCpuMsPerCall, 1)} | {cpuRatio} | {alloc} | {gc?.Gen0} | {gc?.Gen1} | {gc?.Gen2} | {(gc is null ? "" : F(gc.MaxHeapMb, 0))} |");
        }

        output.WriteLine();
        foreach (var r in rows.Where(r => r.Server == "service"))
        {
            if (VsEcho(results, r.Scenario, r.Size) is { Length: > 0 } ratios)
            {
                output.WriteLine($"ratio {r.Scenario}_{r.Size}_vs_echo {F(Median(ratios), 3)}");
            }
        }

        // REST JSON against REST binary, same size: how many times longer a JSON train call takes; and the same for the
        // echo, which moves the JSON text and parses none of it: the part of the first that is the text's size alone.
        foreach (var json in rows.Where(r => r.Server == "service" && r.Scenario == "rest_json_train"))
        {
            if (JsonTimeVsBinary(results, json.Size, "service") is { Length: > 0 } ratios)
            {
                output.WriteLine($"ratio rest_json_train_{json.Size}_time_vs_binary {F(Median(ratios), 3)}");
            }

            if (JsonTimeVsBinary(results, json.Size, "echo") is { Length: > 0 } echoRatios)
            {
                output.WriteLine($"ratio rest_json_echo_{json.Size}_time_vs_binary_echo {F(Median(echoRatios), 3)}");
            }
        }
    }

    /// <summary>Per round: the service's calls/s over the echo's, same scenario and size.</summary>
    private static double[] VsEcho(IReadOnlyList<RunResult> results, string scenario, string size) =>
        PerRound(results, ("service", scenario), ("echo", scenario), size);

    /// <summary>Per round: one server's REST binary train calls/s over its REST JSON train calls/s, same size.</summary>
    private static double[] JsonTimeVsBinary(IReadOnlyList<RunResult> results, string size, string server) =>
        PerRound(results, (server, "rest_binary_train"), (server, "rest_json_train"), size);

    /// <summary>For each round with both runs: the first run's calls/s over the second's.</summary>
    private static double[] PerRound(IReadOnlyList<RunResult> results, (string Server, string Scenario) over, (string Server, string Scenario) under, string size)
    {
        RunResult? Find((string Server, string Scenario) run, int round) =>
            results.FirstOrDefault(r => r.Server == run.Server && r.Scenario == run.Scenario && r.Size == size && r.Round == round && r.Calls > 0);

        return [.. results.Select(r => r.Round).Distinct().Order()
            .Select(round => (Over: Find(over, round), Under: Find(under, round)))
            .Where(pair => pair.Over is not null && pair.Under is not null)
            .Select(pair => pair.Over!.CallsPerSecond / pair.Under!.CallsPerSecond)];
    }

    /// <summary>The rounds of one scenario, size and server as one run.</summary>
    private static RunResult Merge(IEnumerable<RunResult> rounds)
    {
        var all = rounds.ToArray();
        if (all.Length == 1)
        {
            return all[0];
        }

        var calls = all.Sum(r => r.Calls);
        var cpu = all.Where(r => double.IsFinite(r.ServerCpuMsPerCall) && r.Calls > 0).ToArray();
        var cpuPerCall = cpu.Length == 0 ? double.NaN : cpu.Sum(r => r.ServerCpuMsPerCall * r.Calls) / cpu.Sum(r => r.Calls);
        var gcs = all.Select(r => r.Gc).OfType<GcFigures>().ToArray();
        var first = all[0];
        return new RunResult(first.Scenario, first.Size, first.Server, first.Concurrency, calls, all.Sum(r => r.Seconds),
            [.. all.SelectMany(r => r.LatenciesMs).Order()], first.BytesPerCall, all.Min(r => r.From), all.Max(r => r.To), cpuPerCall)
        {
            Gc = gcs.Length == 0 ? null : new GcFigures(gcs.Sum(g => g.AllocatedBytes), gcs.Sum(g => g.Gen0), gcs.Sum(g => g.Gen1),
                gcs.Sum(g => g.Gen2), gcs.Max(g => g.MaxHeapMb), gcs.Max(g => g.MaxWorkingSetMb)),
        };
    }

    private static RunResult? Echo(IReadOnlyList<RunResult> rows, RunResult service) =>
        rows.FirstOrDefault(e => e.Server == "echo" && e.Scenario == service.Scenario && e.Size == service.Size && e.Calls > 0);

    /// <summary>The median, and with more than one value their range: <c>0.91 (0.86-0.95)</c>.</summary>
    private static string RatioText(double[] ratios, int digits) =>
        ratios.Length switch
        {
            0 => "",
            1 => F(ratios[0], digits),
            _ => $"{F(Median(ratios), digits)} ({F(ratios.Min(), digits)}-{F(ratios.Max(), digits)})",
        };

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static string F(double value, int digits) => double.IsFinite(value) ? value.ToString("F" + digits, CultureInfo.InvariantCulture) : "-";
}
