using BnService.Security;
using BnService.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace BnService.Tests.Security;

/// <summary>Every endpoint declares who may call it; one that forgot is named here (and needs write meanwhile).</summary>
[Collection(SharedServiceCollection.Name)]
public sealed class AccessDeclarationTests(SharedService service, ITestOutputHelper output)
{
    [Fact]
    public void EveryEndpointDeclaresItsAccess()
    {
        var endpoints = ServiceEndpoints.Of(service.Services);
        foreach (var endpoint in endpoints)
        {
            output.WriteLine($"{endpoint}: {Level(AccessControl.Needed(endpoint.Endpoint))}");
        }

        var undeclared = endpoints.Where(e => !AccessControl.IsDeclared(e.Endpoint)).Select(e => e.Description).ToList();
        Assert.True(undeclared.Count == 0,
            "endpoints without a declared access level (add .RequireAccess(AccessRole.Read|Write) to the route, or " +
            "[RequireAccess(...)] to the gRPC method):\n" + string.Join('\n', undeclared));
        Assert.Contains(endpoints, e => e.Grpc is not null);
        Assert.Contains(endpoints, e => e.Grpc is null);
    }

    [Theory]
    [InlineData("GET /v1/layers/", AccessRole.Read)]
    [InlineData("GET /v1/layers/{name}", AccessRole.Read)]
    [InlineData("POST /v1/layers/{name}/infer", AccessRole.Read)]
    [InlineData("POST /v1/ops/moments", AccessRole.Read)]
    [InlineData("POST /v1/layers/", AccessRole.Write)]
    [InlineData("POST /v1/layers/{name}/train", AccessRole.Write)]
    [InlineData("DELETE /v1/layers/{name}", AccessRole.Write)]
    [InlineData("gRPC bn.v1.BatchNorm/Infer", AccessRole.Read)]
    [InlineData("gRPC bn.v1.BatchNorm/InferStream", AccessRole.Read)]
    [InlineData("gRPC bn.v1.BatchNorm/Moments", AccessRole.Read)]
    [InlineData("gRPC bn.v1.BatchNorm/Train", AccessRole.Write)]
    [InlineData("gRPC bn.v1.BatchNorm/TrainStream", AccessRole.Write)]
    [InlineData("gRPC bn.v1.BatchNorm/Reset", AccessRole.Write)]
    public void ReadAndWriteAreDeclaredAsTheIssueSays(string description, AccessRole role)
    {
        var endpoint = Assert.Single(ServiceEndpoints.Of(service.Services), e => e.Description == description);
        Assert.Equal(role, AccessControl.Needed(endpoint.Endpoint));
    }

    [Theory]
    [InlineData("GET /healthz")]
    [InlineData("GET /readyz")]
    [InlineData("gRPC grpc.health.v1.Health/Check")]
    [InlineData("gRPC grpc.health.v1.Health/Watch")]
    [InlineData("gRPC grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")]
    public void HealthAndReflectionAreOpen(string description)
    {
        var endpoint = Assert.Single(ServiceEndpoints.Of(service.Services), e => e.Description == description);
        Assert.Null(AccessControl.Needed(endpoint.Endpoint));
    }

    [Fact]
    public void AnUndeclaredEndpointNeedsWrite()
    {
        var catchAll = service.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .First(ServiceEndpoints.IsUnimplementedGrpcCatchAll);
        Assert.False(AccessControl.IsDeclared(catchAll));
        Assert.Equal(AccessRole.Write, AccessControl.Needed(catchAll));
    }

    private static string Level(AccessRole? role) => role?.ApiName() ?? "open";
}
