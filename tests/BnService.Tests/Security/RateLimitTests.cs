using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Bn.V1;
using BnService.Layers;
using BnService.Security;
using BnService.Tests.Grpc;
using BnService.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Security;

/// <summary>
/// The rate limiter: a token bucket per client and one per layer, one instance behind both protocols, off by default.
/// Buckets here refill once an hour, so only the burst is spendable during a test.
/// </summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task OffByDefault()
    {
        await using var host = GrpcHost.Start();
        Assert.False(host.Services.GetRequiredService<IOptions<RateLimitSettings>>().Value.Enabled);
        for (var i = 0; i < 300; i++)
        {
            using var response = await host.Rest.GetAsync(new Uri("/v1/layers", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task EachLayerHasItsOwnBudgetWhicheverProtocolSpendsIt()
    {
        await using var host = GrpcHost.Start(settings: Limits(perClientBurst: 1000, perLayerBurst: 2));
        var (a, b, c) = (LayerNames.Unique("limited-a"), LayerNames.Unique("limited-b"), LayerNames.Unique("limited-c"));
        foreach (var name in new[] { a, b, c })
        {
            await CreateLayerAsync(host.Rest, new JsonObject { ["name"] = name, ["channels"] = 2 });
        }

        Assert.Equal(HttpStatusCode.OK, (await TrainAsync(host, a)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await TrainAsync(host, a)).StatusCode);
        using (var refused = await TrainAsync(host, a))
        {
            var problem = await AssertProblemAsync(refused, HttpStatusCode.TooManyRequests);
            Assert.Equal("https://tools.ietf.org/html/rfc6585#section-4", (string?)problem["type"]);
            var retryAfter = int.Parse(Assert.Single(refused.Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(retryAfter, 1, 3600);
        }

        // The refused call changed nothing; the other layer's budget is untouched; gRPC spends the same budget.
        Assert.Equal(2, (await host.Services.GetRequiredService<ILayerOperations>().GetAsync(a, CancellationToken.None)).State.Step);
        Assert.Equal(HttpStatusCode.OK, (await TrainAsync(host, b)).StatusCode);
        var exhausted = await Assert.ThrowsAsync<RpcException>(() => host.Client.TrainAsync(GrpcTrain(a)).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, exhausted.StatusCode);
        var trailer = exhausted.Trailers.GetValue(GrpcRateLimitInterceptor.RetryAfterTrailer);
        Assert.InRange(int.Parse(trailer!, System.Globalization.CultureInfo.InvariantCulture), 1, 3600);
        await host.Client.TrainAsync(GrpcTrain(b));

        // A stream spends one token a message: two answers, then RESOURCE_EXHAUSTED; the third message changed nothing.
        using var stream = host.Client.TrainStream();
        var answers = 0;
        for (var i = 0; i < 3; i++)
        {
            await stream.RequestStream.WriteAsync(GrpcTrain(c));
        }

        await stream.RequestStream.CompleteAsync();
        var ended = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await stream.ResponseStream.MoveNext(CancellationToken.None))
            {
                answers++;
            }
        });
        Assert.Equal(StatusCode.ResourceExhausted, ended.StatusCode);
        Assert.Equal(2, answers);
        Assert.Equal(2, (await host.Services.GetRequiredService<ILayerOperations>().GetAsync(c, CancellationToken.None)).State.Step);
    }

    [Fact]
    public async Task EachKeyHasItsOwnBudgetOnBothProtocols()
    {
        await using var host = GrpcHost.Start(settings: AuthenticatedHost.Settings(Limits(perClientBurst: 3, perLayerBurst: 1000)));
        var reader = new Metadata { { "authorization", "Bearer " + AuthenticatedHost.ReadKey } };
        var writer = new Metadata { { "authorization", "Bearer " + AuthenticatedHost.WriteKey } };
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await ListAsync(host, AuthenticatedHost.ReadKey));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, await ListAsync(host, AuthenticatedHost.ReadKey));
        var exhausted = await Assert.ThrowsAsync<RpcException>(() => host.Client.ListLayersAsync(new ListLayersRequest(), reader).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, exhausted.StatusCode);

        Assert.Equal(HttpStatusCode.OK, await ListAsync(host, AuthenticatedHost.WriteKey));
        await host.Client.ListLayersAsync(new ListLayersRequest(), writer);
    }

    [Fact]
    public async Task WithoutKeysEachAddressHasItsOwnBudgetAndHealthIsNotCounted()
    {
        await using var host = GrpcHost.Start(settings: Limits(perClientBurst: 2, perLayerBurst: 1000));
        var server = (TestServer)host.Services.GetRequiredService<IServer>();
        Assert.Equal(200, await FromAsync(server, "10.0.0.1", "/v1/layers"));
        Assert.Equal(200, await FromAsync(server, "10.0.0.1", "/v1/layers"));
        Assert.Equal(429, await FromAsync(server, "10.0.0.1", "/v1/layers"));
        Assert.Equal(200, await FromAsync(server, "10.0.0.2", "/v1/layers"));
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(200, await FromAsync(server, "10.0.0.1", "/healthz"));
        }
    }

    [Fact]
    public void ABadBucketStopsTheStartNamingItsKey()
    {
        using var factory = new BnServiceFactory(new Dictionary<string, string?> { ["RateLimit:Enabled"] = "true", ["RateLimit:PerLayer:Burst"] = "0" });
        var error = Assert.ThrowsAny<Exception>(() => factory.Server);
        Assert.Contains("RateLimit:PerLayer:Burst", error.ToString(), StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Limits(int perClientBurst, int perLayerBurst) => new()
    {
        ["RateLimit:Enabled"] = "true",
        ["RateLimit:PerClient:Burst"] = perClientBurst.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RateLimit:PerClient:TokensPerPeriod"] = "1",
        ["RateLimit:PerClient:Period"] = "01:00:00",
        ["RateLimit:PerLayer:Burst"] = perLayerBurst.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RateLimit:PerLayer:TokensPerPeriod"] = "1",
        ["RateLimit:PerLayer:Period"] = "01:00:00",
    };

    private static Task<HttpResponseMessage> TrainAsync(GrpcHost host, string name) =>
        host.Rest.PostAsync(new Uri($"/v1/layers/{name}/train", UriKind.Relative), Json(new JsonObject { ["input"] = Tensor([2, 2], [1, 2, 3, 4]) }));

    private static TrainRequest GrpcTrain(string name) => new() { Name = name, Input = Tensors.Data([2, 2], [1, 2, 3, 4]) };

    private static async Task<HttpStatusCode> ListAsync(GrpcHost host, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/layers");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await host.Rest.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<int> FromAsync(TestServer server, string address, string path)
    {
        var context = await server.SendAsync(http =>
        {
            http.Request.Method = "GET";
            http.Request.Path = path;
            http.Connection.RemoteIpAddress = IPAddress.Parse(address);
        });
        return context.Response.StatusCode;
    }
}
