using BnService.Layers;
using Microsoft.Extensions.DependencyInjection;

namespace BnService.Tests.Grpc;

/// <summary>The host the golden cases replay on (one per test class).</summary>
public sealed class GoldenHost : IAsyncLifetime
{
    private GrpcHost? _host;

    internal GrpcHost Host => _host ?? throw new InvalidOperationException("not started");

    public Task InitializeAsync()
    {
        _host = GrpcHost.Start(s => s.AddSingleton<ILayerOperations, EngineLayerOperations>());
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
