using System.Net;
using System.Net.Http.Headers;
using BnService.Rest;
using BnService.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using HeaderNames = Microsoft.Net.Http.Headers.HeaderNames;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Rest;

/// <summary>
/// <see cref="GrpcCatchAllPolicy.MayBeGrpcCall"/> is what gRPC's catch-all constraint accepts as a call (no narrower,
/// or a gRPC call would lose its answer; no wider, or a REST path's wrong method would lose its 405): compared with the
/// constraint itself over methods, content types and CORS headers, and seen through the service's answers. The
/// constraint also accepts a CORS preflight, only for CORS middleware to answer; with none in this service, gRPC answers
/// a preflight 404 itself, so it is left to the REST routes (405).
/// </summary>
[Collection(SharedServiceCollection.Name)]
public sealed class GrpcCatchAllPolicyTests(SharedService service, ITestOutputHelper output)
{
    private static readonly string[] Methods = [HttpMethods.Get, HttpMethods.Head, HttpMethods.Post, HttpMethods.Put, HttpMethods.Delete, HttpMethods.Patch, HttpMethods.Options];

    private static readonly string?[] ContentTypes =
    [
        null, "application/json", "text/plain", "application/grpc", "APPLICATION/GRPC", "application/grpc+proto",
        "application/grpc; charset=utf-8", "application/grpc;charset=utf-8", "application/grpc-web", "application/grpc-web+proto",
        "application/grpc-web-text", "application/grpc-web-text+proto", "application/grpc-web-text; charset=utf-8",
        "application/grpcx", "application/grpc-", "application/grpc-webx", "application/grpc-web-textual", "application/grp",
    ];

    private readonly HttpClient _client = service.CreateClient();

    [Fact]
    public void MayBeGrpcCallIsWhatTheCatchAllsConstraintAccepts()
    {
        var constraints = CatchAllConstraints();
        Assert.NotEmpty(constraints);
        var accepted = 0;
        foreach (var method in Methods)
        {
            foreach (var contentType in ContentTypes)
            {
                foreach (var (origin, requestMethod) in new[] { (false, false), (true, false), (false, true), (true, true) })
                {
                    var context = new DefaultHttpContext();
                    context.Request.Method = method;
                    context.Request.ContentType = contentType;
                    if (origin)
                    {
                        context.Request.Headers.Origin = "http://elsewhere.example";
                    }

                    if (requestMethod)
                    {
                        context.Request.Headers.AccessControlRequestMethod = HttpMethods.Post;
                    }

                    var answers = constraints.Select(c => c.Match(context, null, "unimplementedMethod", new RouteValueDictionary(), RouteDirection.IncomingRequest)).Distinct().ToList();
                    var constraint = Assert.Single(answers);
                    // gRPC's test for a preflight: OPTIONS with Access-Control-Request-Method, Origin or not.
                    var preflight = method == HttpMethods.Options && requestMethod;
                    Assert.True(!preflight || constraint, $"{method} origin={origin}: gRPC's constraint no longer takes a CORS preflight");
                    var expected = constraint && !preflight;
                    Assert.True(expected == GrpcCatchAllPolicy.MayBeGrpcCall(context.Request),
                        $"{method} {contentType ?? "(none)"} origin={origin} access-control-request-method={requestMethod}: the constraint says {constraint}");
                    accepted += expected ? 1 : 0;
                }
            }
        }

        output.WriteLine($"{accepted} of {Methods.Length * ContentTypes.Length * 4} requests accepted");
        Assert.True(accepted > 0);
    }

    /// <summary>The constraints of gRPC's catch-all routes, as routing resolves them.</summary>
    private List<IRouteConstraint> CatchAllConstraints()
    {
        var factory = service.Services.GetRequiredService<ParameterPolicyFactory>();
        var constraints = new List<IRouteConstraint>();
        foreach (var route in service.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().Where(GrpcCatchAllPolicy.IsCatchAll))
        {
            foreach (var (name, references) in route.RoutePattern.ParameterPolicies)
            {
                var parameter = route.RoutePattern.GetParameter(name)!;
                constraints.AddRange(references.Select(r => factory.Create(parameter, r)).OfType<IRouteConstraint>());
            }
        }

        return constraints;
    }

    /// <summary>
    /// A CORS preflight is never a gRPC call here: where no CORS middleware answered it, gRPC answers it with an HTTP
    /// error itself (its catch-alls 404; a method's own route 405 with <c>Allow: POST</c>, "unhandled CORS preflight"),
    /// never a call. So on a two-segment REST path it is the REST route's 405, with or without <c>Origin</c>, as a plain
    /// OPTIONS is.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ACorsPreflightIsNoGrpcCallAndARestPathAnswersIt405(bool origin)
    {
        using (var method = await _client.SendAsync(Preflight("/bn.v1.BatchNorm/Train", origin)))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, method.StatusCode);
            Assert.Equal(["POST"], method.Content.Headers.Allow);
        }

        foreach (var path in new[] { "/bn.v1.BatchNorm/Nothing", "/no.Such/Service", "/inference.GRPCInferenceService/Nothing" })
        {
            using var unknown = await _client.SendAsync(Preflight(path, origin));
            Assert.True(unknown.StatusCode == HttpStatusCode.NotFound, $"preflight {path}: {(int)unknown.StatusCode}");
        }

        using var answer = await _client.SendAsync(Preflight("/v1/layers", origin));
        await AssertProblemAsync(answer, HttpStatusCode.MethodNotAllowed);
        Assert.Equal(["GET", "POST"], answer.Content.Headers.Allow.Order(StringComparer.Ordinal));

        using var plain = new HttpRequestMessage(HttpMethod.Options, "/v1/layers");
        if (origin)
        {
            plain.Headers.Add(HeaderNames.Origin, "http://elsewhere.example");
        }

        using var refused = await _client.SendAsync(plain);
        await AssertProblemAsync(refused, HttpStatusCode.MethodNotAllowed);
        Assert.Equal(["GET", "POST"], refused.Content.Headers.Allow.Order(StringComparer.Ordinal));
    }

    private static HttpRequestMessage Preflight(string path, bool origin)
    {
        var preflight = new HttpRequestMessage(HttpMethod.Options, path);
        preflight.Headers.Add(HeaderNames.AccessControlRequestMethod, HttpMethods.Post);
        if (origin)
        {
            preflight.Headers.Add(HeaderNames.Origin, "http://elsewhere.example");
        }

        return preflight;
    }

    /// <summary>A request with a gRPC content type but another method than POST is no gRPC call: the REST route's 405, or gRPC method's.</summary>
    [Theory]
    [InlineData("PUT", "/v1/layers", "application/grpc", new[] { "GET", "POST" })]
    [InlineData("DELETE", "/v1/layers", "application/grpc-web", new[] { "GET", "POST" })]
    [InlineData("GET", "/bn.v1.BatchNorm/ListLayers", "application/grpc", new[] { "POST" })]
    [InlineData("GET", "/bn.v1.BatchNorm/ListLayers", "application/json", new[] { "POST" })]
    [InlineData("PUT", "/bn.v1.BatchNorm/ListLayers", "application/grpc", new[] { "POST" })]
    public async Task AnotherMethodWithAGrpcContentTypeIs405(string method, string path, string contentType, string[] allowed)
    {
        var content = new ByteArrayContent([0, 0, 0, 0, 0]);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = content };
        using var response = await _client.SendAsync(request);
        await AssertProblemAsync(response, HttpStatusCode.MethodNotAllowed);
        Assert.Equal(allowed, response.Content.Headers.Allow.Order(StringComparer.Ordinal));
    }
}
