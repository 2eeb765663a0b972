using System.Net;
using System.Net.Http.Headers;
using System.Text;
using BnService.Security;
using BnService.Tests.Grpc;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Xunit.Abstractions;

namespace BnService.Tests.Security;

/// <summary>
/// Every REST route and gRPC method of the endpoint data source (so a new one cannot escape), called with no key, a
/// wrong key, a read key and a write key: 401 / UNAUTHENTICATED, 403 / PERMISSION_DENIED or through to the handler,
/// as its declared access says. Requests are empty or name a layer that does not exist, so nothing changes.
/// </summary>
public sealed class EndpointAuthenticationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private GrpcHost _host = null!;

    public Task InitializeAsync()
    {
        _host = AuthenticatedHost.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task EveryEndpointAnswersEachCallerAsItsAccessSays()
    {
        var endpoints = ServiceEndpoints.Of(_host.Services);
        var failures = new List<string>();
        foreach (var endpoint in endpoints)
        {
            var needed = AccessControl.Needed(endpoint.Endpoint);
            foreach (var caller in Enum.GetValues<Caller>())
            {
                var expected = Expected(needed, caller);
                var actual = endpoint.Grpc is null ? await RestOutcomeAsync(endpoint, caller) : await GrpcOutcomeAsync(endpoint, caller);
                output.WriteLine($"{endpoint} needs {needed?.ApiName() ?? "nothing"}, {caller}: {actual}");
                if (actual != expected)
                {
                    failures.Add($"{endpoint} with {caller}: expected {expected}, got {actual}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.True(endpoints.Count >= 30, $"only {endpoints.Count} endpoints found");
    }

    [Fact]
    public async Task A401SaysBearerAndIsAProblem()
    {
        using var response = await _host.Rest.GetAsync(new Uri("/v1/layers/any", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"status\":401", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A403IsAProblemNamingTheRole()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/layers/any/reset");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AuthenticatedHost.ReadKey);
        using var response = await _host.Rest.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"status\":403", body, StringComparison.Ordinal);
        Assert.Contains("'write' role", body, StringComparison.Ordinal);
        Assert.DoesNotContain(AuthenticatedHost.ReadKey, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheBearerSchemeIsCaseInsensitiveAndAnythingElseIsRefused()
    {
        Assert.Equal(HttpStatusCode.OK, await GetLayersAsync("bearer " + AuthenticatedHost.ReadKey));
        Assert.Equal(HttpStatusCode.OK, await GetLayersAsync("BEARER  " + AuthenticatedHost.ReadKey + " "));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetLayersAsync(AuthenticatedHost.ReadKey));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetLayersAsync("Basic " + AuthenticatedHost.ReadKey));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetLayersAsync("Bearer " + AuthenticatedHost.ReadKey[..^1]));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetLayersAsync("Bearer "));
    }

    /// <summary>A refused gRPC call is a trailers-only gRPC answer (HTTP 200, grpc-status in the headers), not a bare HTTP 401.</summary>
    [Theory]
    [InlineData(null, StatusCode.Unauthenticated)]
    [InlineData(AuthenticatedHost.ReadKey, StatusCode.PermissionDenied)]
    public async Task ARefusedGrpcCallIsARealGrpcStatus(string? key, StatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/bn.v1.BatchNorm/Reset")
        {
            Version = HttpVersion.Version20,
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        using var response = await _host.Rest.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(((int)expected).ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.GetValues("grpc-status").Single());
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    private async Task<HttpStatusCode> GetLayersAsync(string authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/layers");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var response = await _host.Rest.SendAsync(request);
        return response.StatusCode;
    }

    private static Outcome Expected(AccessRole? needed, Caller caller) => needed switch
    {
        null => Outcome.Through,
        _ when caller is Caller.NoKey or Caller.WrongKey => Outcome.Unauthenticated,
        AccessRole.Write when caller == Caller.ReadKey => Outcome.PermissionDenied,
        _ => Outcome.Through,
    };

    private async Task<Outcome> RestOutcomeAsync(ServiceEndpoint endpoint, Caller caller)
    {
        // Every route value (a layer name, a version) names something that does not exist.
        var path = System.Text.RegularExpressions.Regex.Replace(endpoint.Endpoint.RoutePattern.RawText!, "{[^}]+}", "auth-probe-missing");
        using var request = new HttpRequestMessage(new HttpMethod(endpoint.HttpMethod ?? "GET"), path);
        if (request.Method != HttpMethod.Get && request.Method != HttpMethod.Delete)
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        if (caller.Authorization() is { } authorization)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await _host.Rest.SendAsync(request);
        return (int)response.StatusCode switch
        {
            StatusCodes.Status401Unauthorized when response.Headers.WwwAuthenticate.Any(h => h.Scheme == "Bearer") => Outcome.Unauthenticated,
            StatusCodes.Status401Unauthorized => Outcome.Other,
            StatusCodes.Status403Forbidden => Outcome.PermissionDenied,
            >= 500 => Outcome.Other,
            _ => Outcome.Through,
        };
    }

    private async Task<Outcome> GrpcOutcomeAsync(ServiceEndpoint endpoint, Caller caller)
    {
        var method = GrpcProbe.Method(endpoint.Grpc!.Method);
        var headers = new Metadata();
        if (caller.Authorization() is { } authorization)
        {
            headers.Add("authorization", authorization);
        }

        var status = await GrpcProbe.CallAsync(_host.Invoker, method, headers);
        return status switch
        {
            StatusCode.Unauthenticated => Outcome.Unauthenticated,
            StatusCode.PermissionDenied => Outcome.PermissionDenied,
            StatusCode.Internal or StatusCode.Unknown or StatusCode.Unimplemented => Outcome.Other,
            _ => Outcome.Through,
        };
    }

    private enum Outcome
    {
        Through,
        Unauthenticated,
        PermissionDenied,
        Other,
    }
}
