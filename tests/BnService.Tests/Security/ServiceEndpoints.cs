using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace BnService.Tests.Security;

/// <summary>One endpoint the service maps: a REST route (method and pattern) or a gRPC method.</summary>
public sealed record ServiceEndpoint(string Description, RouteEndpoint Endpoint)
{
    public GrpcMethodMetadata? Grpc => Endpoint.Metadata.GetMetadata<GrpcMethodMetadata>();

    public string? HttpMethod => Endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.SingleOrDefault();

    public override string ToString() => Description;
}

/// <summary>Every endpoint of a running host, read from its endpoint data source, so that a new one cannot escape the tests.</summary>
public static class ServiceEndpoints
{
    /// <summary>The endpoints of <paramref name="factory"/>'s host (started if it was not).</summary>
    public static IReadOnlyList<ServiceEndpoint> Of(WebApplicationFactory<Program> factory) => Of(factory.Services);

    /// <summary>The endpoints of the host whose services these are (a factory's <c>Services</c> starts its host, which maps them).</summary>
    public static IReadOnlyList<ServiceEndpoint> Of(IServiceProvider services)
    {
        var source = services.GetRequiredService<EndpointDataSource>();
        return [.. source.Endpoints.OfType<RouteEndpoint>().Where(e => !IsUnimplementedGrpcCatchAll(e)).Select(Describe).OrderBy(e => e.Description, StringComparer.Ordinal)];
    }

    /// <summary>
    /// gRPC maps catch-all routes that answer UNIMPLEMENTED for unknown services and methods: they reach no code of
    /// the service and declare nothing, so they take the undeclared default (write).
    /// </summary>
    public static bool IsUnimplementedGrpcCatchAll(RouteEndpoint endpoint) =>
        endpoint.Metadata.GetMetadata<GrpcMethodMetadata>() is null
        && endpoint.DisplayName?.StartsWith("gRPC - Unimplemented", StringComparison.Ordinal) == true;

    private static ServiceEndpoint Describe(RouteEndpoint endpoint)
    {
        if (endpoint.Metadata.GetMetadata<GrpcMethodMetadata>() is { } grpc)
        {
            return new ServiceEndpoint($"gRPC {grpc.Method.ServiceName}/{grpc.Method.Name}", endpoint);
        }

        var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"];
        return new ServiceEndpoint($"{string.Join(',', methods)} {endpoint.RoutePattern.RawText}", endpoint);
    }
}
