using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BnService.Tests.Grpc;

public sealed class GrpcHealthAndReflectionTests
{
    [Theory]
    [InlineData("")]
    [InlineData("bn.v1.BatchNorm")]
    public async Task HealthIsServingWhenReady(string service)
    {
        await using var host = GrpcHost.Start();
        var health = new Health.HealthClient(host.Channel);
        var response = await health.CheckAsync(new HealthCheckRequest { Service = service });
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task HealthIsNotServingWhileAReadinessCheckFails()
    {
        await using var host = GrpcHost.Start(s => s.AddHealthChecks()
            .AddCheck("not-ready", () => HealthCheckResult.Unhealthy("warming up"), tags: [BnService.Grpc.GrpcEndpoints.ReadyTag]));
        var health = new Health.HealthClient(host.Channel);
        var response = await health.CheckAsync(new HealthCheckRequest { Service = "" });
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, response.Status);
    }

    [Fact]
    public async Task ReflectionListsTheServices()
    {
        await using var host = GrpcHost.Start();
        var reflection = new ServerReflection.ServerReflectionClient(host.Channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();

        Assert.Contains("bn.v1.BatchNorm", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }
}
