using System.Net;
using System.Text.RegularExpressions;
using BnService.Rest;
using BnService.Tests.Infrastructure;
using BnService.Tests.Security;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Xunit.Abstractions;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Rest;

/// <summary>
/// A known path with a method it does not take answers 405 with <c>Allow</c> and a problem, for every REST route the
/// service maps (read from its endpoint data source) and for Swagger's pages and files, a CORS preflight included; an
/// unknown path stays 404; gRPC's answer to an unknown service or method stays UNIMPLEMENTED.
/// </summary>
[Collection(SharedServiceCollection.Name)]
public sealed partial class MethodNotAllowedTests(SharedService service, ITestOutputHelper output)
{
    // HEAD too: its 405 carries Allow but no body to show the problem (a GET route answers HEAD 405, as minimal APIs do).
    private static readonly string[] Methods =
        [HttpMethods.Get, HttpMethods.Head, HttpMethods.Post, HttpMethods.Put, HttpMethods.Delete, HttpMethods.Patch, HttpMethods.Options];

    private readonly HttpClient _client = service.CreateClient();

    [Fact]
    public async Task EveryRestRouteAnswersAnotherMethodWith405()
    {
        var routes = RestRoutes();
        Assert.Contains("/v1/layers", routes.Keys);
        Assert.Contains("/v2/models/{name}/infer", routes.Keys);
        Assert.Contains("/metrics", routes.Keys);
        Assert.Contains("/healthz", routes.Keys);
        Assert.Contains("/readyz", routes.Keys);

        var checkedCalls = 0;
        foreach (var (pattern, allowed) in routes)
        {
            Assert.True(allowed is not null, $"{pattern} takes every method: declare the ones it serves");
            // Every route answers HEAD 405 (minimal APIs' GET routes do): one that took HEAD would be a visible change.
            Assert.False(allowed.Contains(HttpMethods.Head, StringComparer.OrdinalIgnoreCase), $"{pattern} takes HEAD, unlike every other route");
            var path = Path(pattern);
            foreach (var method in Methods.Except(allowed, StringComparer.OrdinalIgnoreCase))
            {
                output.WriteLine($"{method} {path} (takes {string.Join(", ", allowed)})");
                await AssertMethodNotAllowedAsync(method, path, allowed);
                checkedCalls++;
            }
        }

        Assert.True(checkedCalls >= routes.Count, $"only {checkedCalls} calls for {routes.Count} routes");
    }

    /// <summary>
    /// A CORS preflight is no gRPC call here (no CORS middleware for gRPC's catch-all to leave it to): every REST route
    /// answers it as any method it does not take, with or without <c>Origin</c>, whichever method it asks about.
    /// </summary>
    [Fact]
    public async Task EveryRestRouteAnswersACorsPreflightWith405()
    {
        var routes = RestRoutes();
        Assert.Contains("/v1/layers", routes.Keys);
        var checkedCalls = 0;
        foreach (var (pattern, allowed) in routes)
        {
            Assert.True(allowed is not null, $"{pattern} takes every method: declare the ones it serves");
            var path = Path(pattern);
            foreach (var requested in allowed.Append(HttpMethods.Put))
            {
                foreach (var origin in new[] { true, false })
                {
                    output.WriteLine($"preflight {path} for {requested}, origin={origin} (takes {string.Join(", ", allowed)})");
                    await AssertMethodNotAllowedAsync(HttpMethods.Options, path, allowed, Preflight(requested, origin));
                    checkedCalls++;
                }
            }
        }

        Assert.True(checkedCalls >= 4 * routes.Count, $"only {checkedCalls} calls for {routes.Count} routes");
    }

    [Theory]
    [InlineData("/v1/layers", "POST", true)]
    [InlineData("/v1/layers", "GET", false)]
    [InlineData("/v1/layers/x", "DELETE", true)]
    [InlineData("/metrics", "GET", true)]
    public async Task TheReportedPreflightsAnswer405(string path, string requested, bool origin)
    {
        var allowed = RestRoutes()[path == "/v1/layers/x" ? "/v1/layers/{name}" : path]!;
        await AssertMethodNotAllowedAsync(HttpMethods.Options, path, allowed, Preflight(requested, origin));
    }

    [Theory]
    [InlineData("PUT", "/v1/layers")]
    [InlineData("DELETE", "/v1/layers")]
    [InlineData("PATCH", "/v1/layers")]
    [InlineData("PUT", "/v1/layers/")]
    [InlineData("GET", "/v1/ops/moments")]
    [InlineData("POST", "/metrics")]
    [InlineData("OPTIONS", "/v1/layers")]
    [InlineData("HEAD", "/metrics")]
    [InlineData("HEAD", "/v1/layers")]
    public async Task TheReportedCallsAnswer405(string method, string path)
    {
        var allowed = RestRoutes()[path.TrimEnd('/')]!;
        await AssertMethodNotAllowedAsync(method, path, allowed);
    }

    [Fact]
    public async Task SwaggersPagesAnswerAnotherMethodWith405()
    {
        foreach (var page in SwaggerSetup.Pages)
        {
            using (var get = await _client.GetAsync(page))
            {
                Assert.True(get.IsSuccessStatusCode || get.StatusCode is HttpStatusCode.MovedPermanently or HttpStatusCode.Found,
                    $"GET {page}: {(int)get.StatusCode}");
            }

            foreach (var method in new[] { HttpMethods.Post, HttpMethods.Put, HttpMethods.Delete, HttpMethods.Options })
            {
                await AssertMethodNotAllowedAsync(method, page, [HttpMethods.Get, HttpMethods.Head]);
            }

            await AssertMethodNotAllowedAsync(HttpMethods.Options, page, [HttpMethods.Get, HttpMethods.Head], Preflight(HttpMethods.Get, origin: true));
        }
    }

    /// <summary>Swagger UI's static files (<c>/swagger/index.css</c>...) as its pages: GET serves them, another method is 405.</summary>
    [Fact]
    public async Task SwaggersStaticFilesAnswerAnotherMethodWith405()
    {
        var files = SwaggerSetup.UiFiles.GetDirectoryContents("").Select(f => f.Name).ToList();
        Assert.Contains("index.css", files);
        Assert.Contains("swagger-ui-bundle.js", files);
        foreach (var file in files)
        {
            var path = "/swagger/" + file;
            using (var get = await _client.GetAsync(path))
            {
                Assert.True(get.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)get.StatusCode}");
            }

            foreach (var method in new[] { HttpMethods.Post, HttpMethods.Put, HttpMethods.Delete, HttpMethods.Patch, HttpMethods.Options })
            {
                await AssertMethodNotAllowedAsync(method, path, [HttpMethods.Get, HttpMethods.Head]);
            }

            await AssertMethodNotAllowedAsync(HttpMethods.Options, path, [HttpMethods.Get, HttpMethods.Head], Preflight(HttpMethods.Get, origin: true));
        }
    }

    /// <summary>A gRPC call to a Swagger page (a two-segment path, which gRPC's catch-all matches) is gRPC's: UNIMPLEMENTED.</summary>
    [Theory]
    [InlineData("/swagger/index.html")]
    [InlineData("/swagger/index.css")]
    public async Task AGrpcCallToASwaggerPageIsGrpcsUnimplemented(string page)
    {
        var content = new ByteArrayContent([0, 0, 0, 0, 0]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        using var request = new HttpRequestMessage(HttpMethod.Post, page) { Content = content, Version = HttpVersion.Version20 };
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("12", Assert.Single(response.Headers.GetValues("grpc-status")));
    }

    [Theory]
    [InlineData("GET", "/nothing")]
    [InlineData("PUT", "/nothing")]
    [InlineData("GET", "/v1/nothing")]
    [InlineData("PUT", "/v1/nothing")]
    [InlineData("POST", "/v1/nothing")]
    [InlineData("DELETE", "/nothing/at/all")]
    [InlineData("PUT", "/v1/layers/x/nothing")]
    [InlineData("POST", "/v1/layers/x/train/more")]
    [InlineData("GET", "/v2/nothing")]
    [InlineData("POST", "/swagger/nothing.html")]
    [InlineData("POST", "/swagger/nothing.css")]
    [InlineData("POST", "/swagger/index.css/more")]
    [InlineData("POST", "/swagger-ui.css")]
    [InlineData("GET", "/bn.v1.BatchNorm/Nothing")]
    public async Task AnUnknownPathIsStill404(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "GET" ? null : Json("{}") };
        using var response = await _client.SendAsync(request);
        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task GrpcStillAnswersUnimplementedForAnUnknownMethodOrService()
    {
        using var channel = GrpcChannel.ForAddress(service.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = service.Server.CreateHandler() });
        foreach (var (serviceName, methodName) in new[] { ("bn.v1.BatchNorm", "Nothing"), ("inference.GRPCInferenceService", "Nothing"), ("no.Such", "Service") })
        {
            var method = new Method<byte[], byte[]>(MethodType.Unary, serviceName, methodName,
                Marshallers.Create(bytes => bytes, bytes => bytes), Marshallers.Create(bytes => bytes, bytes => bytes));
            var error = await Assert.ThrowsAsync<RpcException>(() => CallDeadline.On(channel).AsyncUnaryCall(method, null, default, []).ResponseAsync);
            Assert.True(error.StatusCode == StatusCode.Unimplemented, $"{serviceName}/{methodName}: {error.Status}");
        }
    }

    /// <summary>A CORS preflight's headers: the method it asks about, and the page's origin as a browser sends it.</summary>
    private static Dictionary<string, string> Preflight(string requestedMethod, bool origin)
    {
        var headers = new Dictionary<string, string> { [Microsoft.Net.Http.Headers.HeaderNames.AccessControlRequestMethod] = requestedMethod };
        if (origin)
        {
            headers[Microsoft.Net.Http.Headers.HeaderNames.Origin] = "http://elsewhere.example";
        }

        return headers;
    }

    private async Task AssertMethodNotAllowedAsync(string method, string path, IReadOnlyCollection<string> allowed, Dictionary<string, string>? headers = null)
    {
        var bodiless = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || headers is not null;
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = bodiless ? null : Json("{}") };
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.Add(name, value);
        }

        using var response = await _client.SendAsync(request);
        if (HttpMethods.IsHead(method))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
            Assert.Equal(allowed.Order(StringComparer.Ordinal), response.Content.Headers.Allow.Order(StringComparer.Ordinal));
            return;
        }

        var problem = await AssertProblemAsync(response, HttpStatusCode.MethodNotAllowed);
        Assert.Equal(allowed.Order(StringComparer.Ordinal), response.Content.Headers.Allow.Order(StringComparer.Ordinal));
        Assert.Contains(path, (string?)problem["detail"], StringComparison.Ordinal);
    }

    /// <summary>Each REST route pattern (no trailing slash) with the methods its endpoints take, null when one takes every method.</summary>
    private Dictionary<string, string[]?> RestRoutes() =>
        ServiceEndpoints.Of(service.Services).Where(e => e.Grpc is null)
            .GroupBy(e => Normalized(e.Endpoint.RoutePattern.RawText ?? ""))
            .ToDictionary(g => g.Key, g => g.Any(e => e.Endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is null)
                ? null
                : g.SelectMany(e => e.Endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods).Distinct().ToArray());

    private static string Normalized(string pattern) => "/" + pattern.Trim('/');

    /// <summary>A path the pattern matches: every parameter a valid layer name, model name or version ("1").</summary>
    private static string Path(string pattern) => Parameter().Replace(pattern, "1");

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Parameter();
}
