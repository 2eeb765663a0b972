using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Net.Http.Headers;

namespace BnService.Rest;

/// <summary>
/// Keeps gRPC's catch-all routes (<c>{service}/{method}</c> and <c>{known.Service}/{method}</c>, which answer
/// UNIMPLEMENTED for unknown services and methods) out of the candidates of requests that cannot be gRPC calls.
/// </summary>
/// <remarks>
/// The catch-alls take every HTTP method and leave the choice to their route constraint (a POST with a gRPC content
/// type). Routing decides 405 from the methods of all the candidates of a path before any constraint runs, and gives up
/// on 405 when one candidate takes every method: so each two-segment REST path (<c>PUT /v1/layers</c>) answered 404
/// instead of 405. This policy runs before the method policy and splits the candidates by whether the request may be a
/// gRPC call: if so, all of them, as before (the constraint still decides); if not, the others only, so the method
/// policy sees the REST routes alone (405 with their methods) and a path with no REST route stays 404.
/// </remarks>
public sealed class GrpcCatchAllPolicy : MatcherPolicy, INodeBuilderPolicy
{
    /// <summary>The name of the route constraint gRPC gives its catch-all routes.</summary>
    private const string CatchAllConstraint = "grpcunimplemented";

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
    /// Whether the catch-alls' constraint could accept the request: a gRPC content type (<c>application/grpc</c>,
    /// <c>-web</c>, <c>-web-text</c>, with any suffix), or a CORS preflight, which it lets through. A superset of what it
    /// accepts, so that it alone still decides for these.
    /// </summary>
    public static bool MayBeGrpcCall(HttpRequest request) =>
        request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true
        || (HttpMethods.IsOptions(request.Method) && request.Headers.ContainsKey(HeaderNames.Origin)
            && request.Headers.ContainsKey(HeaderNames.AccessControlRequestMethod));

    private sealed class JumpTable(int grpc, int other) : PolicyJumpTable
    {
        public override int GetDestination(HttpContext httpContext) => MayBeGrpcCall(httpContext.Request) ? grpc : other;
    }
}
