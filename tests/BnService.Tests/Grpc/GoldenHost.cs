namespace BnService.Tests.Grpc;

/// <summary>The service as it runs (Orleans layer grains), one host per test class, for the golden replays.</summary>
public sealed class GoldenHost : IAsyncLifetime
{
    private GrpcHost? _host;

    internal GrpcHost Host => _host ?? throw new InvalidOperationException("not started");

    public Task InitializeAsync()
    {
        _host = GrpcHost.Start();
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
