using Microsoft.Extensions.Options;

namespace BnService.Hosting;

/// <summary>
/// The first step of a graceful shutdown (SIGTERM, Ctrl+C, StopApplication): before any hosted service stops, readiness
/// turns false (/readyz 503 "stopping", gRPC health NOT_SERVING) and <see cref="ShutdownSettings.DrainDelay"/> passes
/// while the server still serves. Then the host stops its services in reverse order of start: the web server first
/// (it stops accepting and waits for in-flight calls), the Orleans silo after it (layers deactivate and write their
/// state), so no in-flight call loses its silo.
/// </summary>
internal sealed partial class ShutdownDrain(IOptions<ShutdownSettings> settings, ILogger<ShutdownDrain> logger) : IHostedLifecycleService
{
    private volatile bool _draining;

    public bool IsDraining => _draining;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        var delay = settings.Value.DrainDelay;
        LogDraining(logger, delay.TotalSeconds);
        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The shutdown timeout ran out: go on stopping.
            }
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutting down: not ready any more, serving for {DrainSeconds} s more before the server stops accepting")]
    private static partial void LogDraining(ILogger logger, double drainSeconds);
}
