namespace BnService.Tests.Grpc;

/// <summary>
/// The service as it runs (Orleans layer grains) with a small batch limit, so that over-limit messages stay
/// cheap: 1,024 float32 values. One host per test class; tests use distinct layer names.
/// </summary>
public sealed class ServiceHost : IAsyncLifetime
{
    public const int MaxBatchBytes = 4096;

    private GrpcHost? _host;

    internal GrpcHost Host => _host ?? throw new InvalidOperationException("not started");

    public Task InitializeAsync()
    {
        _host = GrpcHost.Start(settings: new Dictionary<string, string?>
        {
            ["Limits:MaxBatchBytes"] = MaxBatchBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
