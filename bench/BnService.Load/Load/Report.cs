using System.Globalization;

namespace BnService.Load.Load;

/// <summary>The table (markdown) and the <c>ratio</c> lines that bench/run.sh passes on.</summary>
public static class Report
{
    public static void Print(IReadOnlyList<RunResult> results, TextWriter output)
    {
        output.WriteLine("| scenario | size | server | clients | calls/s | MiB/s | p50 ms | p99 ms | ratio to echo | server CPU µs/call | CPU ratio | alloc KiB/call | gen0 | gen1 | gen2 | max heap MiB |");
        output.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in results)
        {
            var echo = r.Server == "service" ? Echo(results, r) : null;
            var ratio = echo is null ? "" : F(r.CallsPerSecond / echo.CallsPerSecond, 2);
            var cpuRatio = echo is null ? "" : F(r.ServerCpuMsPerCall / echo.ServerCpuMsPerCall, 2);
            var gc = r.Gc;
            var alloc = gc is null || r.Calls == 0 ? "" : F(gc.AllocatedBytes / r.Calls / 1024, 1);
            output.WriteLine($"| {r.Scenario} | {r.Size} | {r.Server} | {r.Concurrency} | {F(r.CallsPerSecond, 1)} | {F(r.MibPerSecond, 1)} | " +
                             $"{F(r.P50Ms, 2)} | {F(r.P99Ms, 2)} | {ratio} | {F(1000 * r.ServerCpuMsPerCall, 1)} | {cpuRatio} | {alloc} | {gc?.Gen0} | {gc?.Gen1} | {gc?.Gen2} | {(gc is null ? "" : F(gc.MaxHeapMb, 0))} |");
        }

        output.WriteLine();
        foreach (var r in results.Where(r => r.Server == "service"))
        {
            if (Echo(results, r) is { } echo)
            {
                output.WriteLine($"ratio {r.Scenario}_{r.Size}_vs_echo {F(r.CallsPerSecond / echo.CallsPerSecond, 3)}");
            }
        }

        // REST JSON against REST binary, same size: how many times longer a JSON train call takes.
        foreach (var json in results.Where(r => r.Server == "service" && r.Scenario == "rest_json_train"))
        {
            if (results.FirstOrDefault(r => r.Server == "service" && r.Scenario == "rest_binary_train" && r.Size == json.Size) is { Calls: > 0 } binary
                && json.Calls > 0)
            {
                output.WriteLine($"ratio rest_json_train_{json.Size}_time_vs_binary {F(binary.CallsPerSecond / json.CallsPerSecond, 3)}");
            }
        }
    }

    private static RunResult? Echo(IReadOnlyList<RunResult> results, RunResult service) =>
        results.FirstOrDefault(e => e.Server == "echo" && e.Scenario == service.Scenario && e.Size == service.Size && e.Calls > 0);

    private static string F(double value, int digits) => double.IsFinite(value) ? value.ToString("F" + digits, CultureInfo.InvariantCulture) : "-";
}
