using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using BnEngine.Benchmarks;

// --quick: short in-process run for bench/run.sh. --full (default): more iterations for the README table.
// --diag [rounds]: interleaved copy/step timings; --diag-small [rounds]: small-batch latency (Diagnostic.cs). Anything else is handed to BenchmarkDotNet's switcher (e.g. --filter '*Small*').
if (args.Length > 0 && args[0] == "--diag-small")
{
    Diagnostic.SmallBatch(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 30, Console.Out);
    return;
}

if (args.Length > 0 && args[0] == "--diag")
{
    Diagnostic.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 30, Console.Out);
    return;
}

if (args.Length > 0 && args[0] is not ("--quick" or "--full"))
{
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    return;
}

var quick = args.Length > 0 && args[0] == "--quick";
var job = Job.Default
    .WithToolchain(InProcessEmitToolchain.Instance)
    .WithWarmupCount(quick ? 2 : 5)
    .WithIterationCount(quick ? 5 : 20)
    .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(quick ? 250 : 500));
var config = DefaultConfig.Instance.AddJob(job).WithOptions(ConfigOptions.DisableOptimizationsValidator);

var summaries = new[]
{
    BenchmarkRunner.Run<LayerBandwidthBenchmarks>(config),
    BenchmarkRunner.Run<SmallBatchBenchmarks>(config),
};
RatioReport.Print(summaries, Console.Out);
