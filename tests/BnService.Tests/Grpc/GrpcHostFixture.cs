namespace BnService.Tests.Grpc;

/// <summary>One in-memory <see cref="GrpcHost"/> per test class (a class fixture), started and stopped with it.</summary>
public abstract class GrpcHostFixture : IAsyncLifetime
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
