using Microsoft.AspNetCore.Routing.Matching;

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
/// A CORS preflight is no gRPC call in this service: gRPC's constraint lets one through only so that CORS middleware,
/// which runs between routing and the endpoint, can answer it, and its catch-all answers one that reaches it 404
/// itself ("CORS preflight request should be handled by CORS middleware"). The service has no CORS middleware (and no
/// gRPC-Web, the only gRPC a browser could send), so a preflight on a REST path gets the REST route's 405 like any
/// other method the route does not take.
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
    /// Whether the request may be a gRPC call: a POST with a gRPC content type, which the catch-alls' constraint
    /// accepts. The constraint also accepts a CORS preflight (OPTIONS with <c>Access-Control-Request-Method</c>) for
    /// CORS middleware to answer; with none here, gRPC would answer it 404, so a preflight is left to the REST routes.
    /// </summary>
    public static bool MayBeGrpcCall(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && IsGrpcContentType(request.ContentType);

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
