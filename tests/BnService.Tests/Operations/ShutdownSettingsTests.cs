using BnService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BnService.Tests.Operations;

/// <summary>Shutdown:Timeout is the host's shutdown budget; a bad setting stops the start naming it.</summary>
public sealed class ShutdownSettingsTests
{
    [Fact]
    public async Task TheTimeoutIsTheHostsShutdownBudget()
    {
        await using var factory = new BnServiceFactory(new Dictionary<string, string?> { ["Shutdown:Timeout"] = "00:00:07" });
        Assert.Equal(TimeSpan.FromSeconds(7), factory.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }

    [Theory]
    [InlineData("Shutdown:DrainDelay", "-00:00:01", "DrainDelay")]
    [InlineData("Shutdown:DrainDelay", "01:00:00", "DrainDelay")]
    [InlineData("Shutdown:Timeout", "00:00:00", "Timeout")]
    public void ABadSettingStopsTheStart(string key, string value, string named)
    {
        using var factory = new BnServiceFactory(new Dictionary<string, string?> { [key] = value });
        var error = Assert.ThrowsAny<Exception>(() => factory.Server);
        Assert.Contains(named, error.ToString(), StringComparison.Ordinal);
    }
}
