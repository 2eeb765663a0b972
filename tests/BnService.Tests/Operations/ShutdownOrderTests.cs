using BnService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace BnService.Tests.Operations;

/// <summary>The host stops its services in reverse order of start: the web server must come after the silo, so it stops first.</summary>
[Collection(SharedServiceCollection.Name)]
public sealed class ShutdownOrderTests(SharedService service, ITestOutputHelper output)
{
    [Fact]
    public void TheWebServerStartsAfterTheSiloSoItStopsBeforeIt()
    {
        var order = service.Services.GetServices<IHostedService>().Select(s => s.GetType().FullName!).ToList();
        output.WriteLine(string.Join('\n', order));
        var web = order.FindIndex(n => n.EndsWith(".GenericWebHostService", StringComparison.Ordinal));
        var silo = order.FindIndex(n => n.Contains("Orleans", StringComparison.Ordinal) && n.Contains("Silo", StringComparison.Ordinal));
        var drain = order.FindIndex(n => n.EndsWith(".ShutdownDrain", StringComparison.Ordinal));
        Assert.True(web >= 0 && silo >= 0 && drain >= 0, string.Join('\n', order));
        Assert.True(silo < web, "the silo must start before (and so stop after) the web server:\n" + string.Join('\n', order));
    }
}
