using System.Net;
using System.Net.Sockets;
using BnService.Tests.Infrastructure;

namespace BnService.Tests;

[Collection(SharedServiceCollection.Name)]
public class HealthTests(SharedService factory)
{
    [Fact]
    public async Task HealthzAnswers()
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ReadyzAnswersOnceTheSiloRuns()
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("ready", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SiloListensOnTheConfiguredPorts()
    {
        _ = factory.Server;
        using var silo = new TcpClient();
        await silo.ConnectAsync(IPAddress.Loopback, factory.SiloPort);
        using var gateway = new TcpClient();
        await gateway.ConnectAsync(IPAddress.Loopback, factory.GatewayPort);
    }
}
