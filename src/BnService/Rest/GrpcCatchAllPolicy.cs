using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Net.Http.Headers;

namespace BnService.Rest;

/// <summary>
/// Keeps gRPC's catch-all routes (<c>{service}/{method}</c> and <c>{known.Service}/{method}</c>, which answer
/// UNIMPLEMENTED for unknown services and methods) out of the candidates of requests that cannot be gRPC calls.
/// </summary>
/// <remarks>
/// The catch-alls take every HTTP method and leave the choice to their route constraint (a POST with a gRPC content
/// type, or a CORS preflight). Routing decides 405 from the methods of all the candidates of a path before any
/// constraint runs, and gives up on 405 when one candidate takes every method: so each two-segment REST path
/// (<c>PUT /v1/layers</c>) answered 404 instead of 405. This policy runs before the method policy and splits the candidates by whether the request may be a
/// gRPC call: if so, all of them, as before (the constraint still decides); if not, the others only, so the method
/// policy sees the REST routes alone (405 with their methods) and a path with no REST route stays 404.
/// </remarks>
public sealed class GrpcCatchAllPolicy : MatcherPolicy, INodeBuilderPolicy
{
    /// <summary>The name of the route constraint gRPC gives its catch-all routes.</summary>
    private const string CatchAllConstraint = "grpcunimplemented";

    /// <summary>The content types gRPC takes for a call (its constraint's list).</summary>
    private static readonly string[] GrpcContentTypes = ["application/grpc", "application/grpc-web", "application/grpc-web-text"];

    /// <summary>Before the HTTP method policy (order -1000), so that it sees the candidates left here.</summary>
    public override int Order => -1100;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) => endpoints.Any(IsCatchAll);

    public IReadOnlyList<PolicyNodeEdge> GetEdges(IReadOnlyList<Endpoint> endpoints) =>
    [
        new PolicyNodeEdge(true, endpoints),
        new PolicyNodeEdge(false, [.. endpoints.Where(e => !IsCatchAll(e))]),
    ];

    public PolicyJumpTable BuildJumpTable(int exitDestination, IReadOnlyList<PolicyJumpTableEdge> edges)
    {
        int grpc = exitDestination, other = exitDestination;
        foreach (var edge in edges)
        {
            if ((bool)edge.State)
            {
                grpc = edge.Destination;
            }
            else
            {
                other = edge.Destination;
            }
        }

        return new JumpTable(grpc, other);
    }

    /// <summary>A route of gRPC's that answers UNIMPLEMENTED: it carries gRPC's catch-all constraint.</summary>
    public static bool IsCatchAll(Endpoint endpoint) =>
        endpoint is RouteEndpoint route
        && route.RoutePattern.ParameterPolicies.Values.Any(policies => policies.Any(p =>
            string.Equals(p.Content, CatchAllConstraint, StringComparison.OrdinalIgnoreCase)));

    /// <summary>
    /// Whether the catch-alls' constraint accepts the request, as gRPC decides it: a CORS preflight (OPTIONS with
    /// <c>Access-Control-Request-Method</c>, with or without <c>Origin</c>), which it lets through for CORS, or a POST with
    /// a gRPC content type. Exactly what the constraint accepts, so that it is a superset of it no wider than needed.
    /// </summary>
    public static bool MayBeGrpcCall(HttpRequest request) =>
        IsCorsPreflight(request) || (HttpMethods.IsPost(request.Method) && IsGrpcContentType(request.ContentType));

    /// <summary>gRPC's test for a CORS preflight: OPTIONS with <c>Access-Control-Request-Method</c>.</summary>
    private static bool IsCorsPreflight(HttpRequest request) =>
        HttpMethods.IsOptions(request.Method) && request.Headers.ContainsKey(HeaderNames.AccessControlRequestMethod);

    /// <summary>
    /// <c>application/grpc</c>, <c>application/grpc-web</c> or <c>application/grpc-web-text</c> (any case), alone or
    /// followed by a message format (<c>+proto</c>) or parameters (<c>; charset=utf-8</c>).
    /// </summary>
    private static bool IsGrpcContentType(string? contentType) =>
        contentType is not null && GrpcContentTypes.Any(type =>
            contentType.StartsWith(type, StringComparison.OrdinalIgnoreCase)
            && (contentType.Length == type.Length || contentType[type.Length] is '+' or ';'));

    private sealed class JumpTable(int grpc, int other) : PolicyJumpTable
    {
        public override int GetDestination(HttpContext httpContext) => MayBeGrpcCall(httpContext.Request) ? grpc : other;
    }
}
