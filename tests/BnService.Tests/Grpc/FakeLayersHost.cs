using BnService.Layers;
using Microsoft.Extensions.DependencyInjection;

namespace BnService.Tests.Grpc;

/// <summary>One host per test class whose layer operations are a <see cref="FakeLayerOperations"/>.</summary>
public class FakeLayersHost : IAsyncLifetime
{
    private GrpcHost? _host;

    internal FakeLayerOperations Layers { get; } = new();

    internal GrpcHost Host => _host ?? throw new InvalidOperationException("not started");

    /// <summary>Configuration for the host.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public Task InitializeAsync()
    {
        _host = GrpcHost.Start(s => s.AddSingleton<ILayerOperations>(Layers), Settings);
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

/// <summary>A fake-layers host with a small batch limit, so that over-limit messages stay cheap: 1,024 float32 values.</summary>
public sealed class SmallLimitFakeLayersHost : FakeLayersHost
{
    public const int MaxBatchBytes = 4096;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Limits:MaxBatchBytes"] = MaxBatchBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) };
}
