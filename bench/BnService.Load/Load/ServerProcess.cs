using System.Diagnostics;

namespace BnService.Load.Load;

/// <summary>A server under load in its own process: BnService's built dll, or this tool in echo mode. Stopped (killed) on dispose.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(string name, Process process, int restPort, int grpcPort)
    {
        Name = name;
        _process = process;
        RestPort = restPort;
        GrpcPort = grpcPort;
    }

    public string Name { get; }
    public int RestPort { get; }
    public int GrpcPort { get; }
    public int ProcessId => _process.Id;
    public Uri RestAddress => new($"http://127.0.0.1:{RestPort}");
    public Uri GrpcAddress => new($"http://127.0.0.1:{GrpcPort}");

    /// <summary>
    /// BnService in Release from its build output (working directory there, so its appsettings.json applies), layers in
    /// memory, its four ports free, logging at Warning.
    /// </summary>
    public static Task<ServerProcess> StartServiceAsync(string serviceDll)
    {
        var ports = FreePorts.Take(4);
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(serviceDll)! };
        start.ArgumentList.Add(serviceDll);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Kestrel__Endpoints__Rest__Url"] = $"http://127.0.0.1:{ports[0]}";
        start.Environment["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{ports[1]}";
        start.Environment["Cluster__SiloPort"] = ports[2].ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Cluster__GatewayPort"] = ports[3].ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Storage__Kind"] = "memory";
        start.Environment["Logging__Level"] = "Warning";
        start.Environment["Logging__FrameworkLevel"] = "Warning";
        return StartAsync("service", start, ports[0], ports[1]);
    }

    /// <summary>This tool's own echo server (<see cref="Echo.EchoServer"/>) on two free ports.</summary>
    public static Task<ServerProcess> StartEchoAsync()
    {
        var ports = FreePorts.Take(2);
        var self = typeof(ServerProcess).Assembly.Location;
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(self)! };
        start.ArgumentList.Add(self);
        start.ArgumentList.Add("--echo-server");
        start.ArgumentList.Add(ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add(ports[1].ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        return StartAsync("echo", start, ports[0], ports[1]);
    }

    private static async Task<ServerProcess> StartAsync(string name, ProcessStartInfo start, int restPort, int grpcPort)
    {
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start the {name} server");
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => Keep(output, e.Data);
        process.ErrorDataReceived += (_, e) => Keep(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(name, process, restPort, grpcPort);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (process.HasExited)
            {
                break;
            }

            try
            {
                using var ready = await http.GetAsync(new Uri(server.RestAddress, "/readyz"));
                if (ready.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        await server.DisposeAsync();
        throw new InvalidOperationException($"the {name} server did not become ready; its last output:{Environment.NewLine}{string.Join(Environment.NewLine, output)}");
    }

    /// <summary>The last lines a server wrote, for the error when it does not start.</summary>
    private static void Keep(System.Collections.Concurrent.ConcurrentQueue<string> output, string? line)
    {
        if (line is null)
        {
            return;
        }

        output.Enqueue(line);
        while (output.Count > 40 && output.TryDequeue(out _))
        {
        }
    }

    /// <summary>Stops the server at once (Ctrl+C of the tool).</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
