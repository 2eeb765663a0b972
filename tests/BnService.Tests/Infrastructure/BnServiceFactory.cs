using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace BnService.Tests.Infrastructure;

/// <summary>
/// The service in memory (TestServer) with its own Orleans silo on free silo and gateway ports, so several
/// hosts can run in one test run. Extra configuration (for example <c>Limits:MaxBatchBytes</c>) goes through
/// the constructor; values are visible to Program.cs from the start.
/// Tests that can share a host (distinct layer names) take <see cref="SharedService"/> through <see cref="SharedServiceCollection"/>.
/// </summary>
public class BnServiceFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    public BnServiceFactory(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var ports = FreePorts.Next(2);
        _settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Cluster:SiloPort"] = ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = ports[1].ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Logging:Level"] = "Warning",
            // In-memory hosts have no load balancer to tell: stop at once (tests start and stop many hosts).
            ["Shutdown:DrainDelay"] = "00:00:00",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public int SiloPort => int.Parse(_settings["Cluster:SiloPort"]!, System.Globalization.CultureInfo.InvariantCulture);

    public int GatewayPort => int.Parse(_settings["Cluster:GatewayPort"]!, System.Globalization.CultureInfo.InvariantCulture);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>Stops the host (and the hosts derived from it) within <see cref="HostStop.Limit"/>; xunit's fixture Dispose comes here too.</summary>
    public override ValueTask DisposeAsync() => HostStop.WithinLimitAsync(base.DisposeAsync(), GetType().Name);
}

/// <summary>The one host shared by the tests of <see cref="SharedServiceCollection"/>, with the default configuration.</summary>
public sealed class SharedService : BnServiceFactory
{
    public SharedService()
        : base(null)
    {
    }
}

/// <summary>Tests in this collection share one <see cref="SharedService"/> host; they must use distinct layer names.</summary>
[CollectionDefinition(Name)]
public sealed class SharedServiceCollection : ICollectionFixture<SharedService>
{
    public const string Name = "service";
}

/// <summary>Layer names that no other test uses.</summary>
public static class LayerNames
{
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(128, prefix.Length + 33)];
}
