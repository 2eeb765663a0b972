using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace BnService.Tests.Infrastructure;

/// <summary>
/// The real service as its own process (<c>dotnet BnService.dll</c> from this test's output directory) on free
/// ports for REST, gRPC, the silo and the gateway, configured the way an operator would: environment variables.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServiceProcess(Process process, int restPort, int grpcPort)
    {
        _process = process;
        RestPort = restPort;
        GrpcPort = grpcPort;
    }

    public int RestPort { get; }

    public int GrpcPort { get; }

    public Uri RestAddress => new($"http://127.0.0.1:{RestPort}");

    public Uri GrpcAddress => new($"http://127.0.0.1:{GrpcPort}");

    /// <summary>What the process wrote so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the process and waits until <c>/readyz</c> answers 200. It runs in the output directory, or in
    /// <paramref name="workingDirectory"/>, with <paramref name="arguments"/> after the service's path.
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null,
        string? workingDirectory = null, IReadOnlyList<string>? arguments = null)
    {
        var ports = FreePorts.Next(4);
        var directory = AppContext.BaseDirectory;
        var start = new ProcessStartInfo("dotnet", [Path.Combine(directory, "BnService.dll"), .. arguments ?? []])
        {
            WorkingDirectory = workingDirectory ?? directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["Kestrel__Endpoints__Rest__Url"] = $"http://127.0.0.1:{ports[0]}";
        start.Environment["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{ports[1]}";
        start.Environment["Cluster__SiloPort"] = ports[2].ToString(CultureInfo.InvariantCulture);
        start.Environment["Cluster__GatewayPort"] = ports[3].ToString(CultureInfo.InvariantCulture);
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("the service process did not start");
        var service = new ServiceProcess(process, ports[0], ports[1]);
        process.OutputDataReceived += (_, e) => service.Append(e.Data);
        process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var client = new HttpClient { BaseAddress = service.RestAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the service exited with {process.ExitCode}:\n{service.Output}");
            }

            try
            {
                using var ready = await client.GetAsync("/readyz");
                if (ready.IsSuccessStatusCode)
                {
                    return service;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Not answering yet.
            }

            await Task.Delay(200);
        }

        await service.DisposeAsync();
        throw new TimeoutException($"the service was not ready in time:\n{service.Output}");
    }

    /// <summary>Waits for the process to exit on its own (for start-up failures).</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var directory = AppContext.BaseDirectory;
        var start = new ProcessStartInfo("dotnet", Path.Combine(directory, "BnService.dll"))
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var ports = FreePorts.Next(4);
        start.Environment["Kestrel__Endpoints__Rest__Url"] = $"http://127.0.0.1:{ports[0]}";
        start.Environment["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{ports[1]}";
        start.Environment["Cluster__SiloPort"] = ports[2].ToString(CultureInfo.InvariantCulture);
        start.Environment["Cluster__GatewayPort"] = ports[3].ToString(CultureInfo.InvariantCulture);
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    public bool HasExited => _process.HasExited;

    /// <summary>kill -9: the process ends at once, with no chance to write or leave the cluster.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await WaitGoneAsync();
    }

    /// <summary>SIGTERM (what an orchestrator sends), then waits for the process to exit; returns its exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await WaitGoneAsync();
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    /// <summary>
    /// Waits for the killed process to be gone and its output to end (WaitForExitAsync waits for both); one that is not
    /// gone a minute after kill -9 fails the test that waits, instead of holding the test run.
    /// </summary>
    private async Task WaitGoneAsync()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the service process {_process.Id} or its output did not end within 60 s of kill -9:\n{Output}");
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
