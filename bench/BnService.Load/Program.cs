using System.Globalization;
using System.Runtime.InteropServices;
using BnService.Load.Echo;
using BnService.Load.Load;

// BnService under load against an echo server with the same Kestrel configuration, same client, same concurrency,
// in the same run (bench/README.md, "Service end to end"). "--echo-server REST GRPC" is the echo server itself.
if (args is ["--echo-server", var restPort, var grpcPort])
{
    await EchoServer.RunAsync(int.Parse(restPort, CultureInfo.InvariantCulture), int.Parse(grpcPort, CultureInfo.InvariantCulture));
    return 0;
}

var options = LoadOptions.Parse(args);
if (!File.Exists(options.ServiceDll))
{
    Console.Error.WriteLine($"{options.ServiceDll} not found: build src/BnService in Release first (bench/run.sh does)");
    return 2;
}

var scenarios = Scenario.All.Where(s => options.Scenarios is null || options.Scenarios.Contains(s.Name)).ToArray();
var batches = Batch.Standard(options.Sizes);
var maxClients = Math.Max(options.ClientsSmall, options.ClientsLarge);
Console.WriteLine($"# {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {LoadAverage()}, {options.Prewarm.TotalSeconds} s per run to warm up first, " +
                  $"then warm-up {options.Warmup.TotalSeconds} s + {options.Measure.TotalSeconds} s measured per run, {options.ClientsSmall} clients at 8kb, {options.ClientsLarge} above" +
                  (options.Rounds > 1 ? $", {options.Rounds} rounds (echo and service in turn)" : ""));

await using var service = await ServerProcess.StartServiceAsync(options.ServiceDll);
await using var echo = await ServerProcess.StartEchoAsync();
// Ctrl+C or a kill (SIGTERM) of the tool stops both servers with it, rather than leaving them running on the machine.
void StopServers()
{
    service.Kill();
    echo.Kill();
}

Console.CancelKeyPress += (_, _) => StopServers();
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => StopServers());
using var serviceGc = new GcCounters(service.ProcessId);
using var echoGc = new GcCounters(echo.ProcessId);
using var serviceTarget = new Target(service, maxClients, isEcho: false);
using var echoTarget = new Target(echo, maxClients, isEcho: true);
await serviceTarget.CreateLayersAsync(maxClients);

// Every scenario once against both servers before anything is measured: the service has far more code than the echo
// for the JIT to bring to its optimized tier, and a measured window should see the steady state of both.
if (options.Prewarm > TimeSpan.Zero)
{
    Console.Error.WriteLine($"warming both servers up: {options.Prewarm.TotalSeconds} s per scenario and size");
    await RunAllAsync(TimeSpan.Zero, options.Prewarm, 1, _ => { });
}

var results = new List<RunResult>();
await RunAllAsync(options.Warmup, options.Measure, options.Rounds, result =>
{
    results.Add(result);
    Console.Error.WriteLine($"{result.Scenario} {result.Size} {result.Server}{(options.Rounds > 1 ? $" (round {result.Round})" : "")}: {result.CallsPerSecond:F1} calls/s, p50 {result.P50Ms:F2} ms");
});

await GcCounters.SettleAsync();
foreach (var result in results)
{
    result.Gc = (result.Server == "service" ? serviceGc : echoGc).Window(result.From, result.To);
}

Console.WriteLine($"# finished {DateTime.UtcNow:HH:mm} UTC, load average {LoadAverage()}");
Report.Print(results, Console.Out);
return 0;

async Task RunAllAsync(TimeSpan warmup, TimeSpan measure, int rounds, Action<RunResult> done)
{
    foreach (var batch in batches)
    {
        var clients = batch.Rows <= 32 ? options.ClientsSmall : options.ClientsLarge;
        foreach (var scenario in scenarios)
        {
            foreach (var (target, round) in Enumerable.Range(1, rounds).SelectMany(r => new[] { (echoTarget, r), (serviceTarget, r) }))
            {
                var server = target.IsEcho ? "echo" : "service";
                var callers = await Task.WhenAll(Enumerable.Range(0, clients).Select(w => scenario.Caller(target, batch, w)));
                try
                {
                    done(await LoadRun.RunAsync(scenario.Name, batch.Label, server, callers, warmup, measure, batch.Bytes.Length,
                        target.Server.ProcessId) with { Round = round });
                }
                catch (Exception e)
                {
                    Console.Error.WriteLine($"{scenario.Name} {batch.Label} {server} failed: {e.GetType().Name}: {e.Message}");
                }
                finally
                {
                    foreach (var caller in callers)
                    {
                        await caller.DisposeAsync();
                    }
                }
            }
        }
    }
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
