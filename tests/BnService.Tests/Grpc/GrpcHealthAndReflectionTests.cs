using System.Net;
using BnService.Hosting;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using Microsoft.Extensions.DependencyInjection;

namespace BnService.Tests.Grpc;

public sealed class GrpcHealthAndReflectionTests
{
    [Theory]
    [InlineData("")]
    [InlineData("bn.v1.BatchNorm")]
    [InlineData("inference.GRPCInferenceService")]
    public async Task HealthIsServingWhenTheSiloIsReady(string service)
    {
        await using var host = GrpcHost.Start();
        var health = new Health.HealthClient(host.Invoker);
        var response = await health.CheckAsync(new HealthCheckRequest { Service = service });
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task HealthIsNotServingWhileReadyzSaysNotReady()
    {
        await using var host = GrpcHost.Start(s => s.AddSingleton<IReadiness>(new NeverReady()));
        var health = new Health.HealthClient(host.Invoker);

        var response = await health.CheckAsync(new HealthCheckRequest { Service = "" });
        var readyz = await host.Rest.GetAsync(new Uri("/readyz", UriKind.Relative));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, response.Status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyz.StatusCode);
    }

    [Fact]
    public async Task ReflectionListsTheServices()
    {
        await using var host = GrpcHost.Start();
        var reflection = new ServerReflection.ServerReflectionClient(host.Invoker);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();

        Assert.Contains("bn.v1.BatchNorm", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    private sealed class NeverReady : IReadiness
    {
        public bool IsReady => false;
    }
}
