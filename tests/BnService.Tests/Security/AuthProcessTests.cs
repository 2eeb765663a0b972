using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Bn.V1;
using BnService.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Security;

/// <summary>The real process with keys from environment variables, on real sockets: statuses, and no key in any log line.</summary>
public sealed class AuthProcessTests
{
    private const string WrongKey = "wrong-key-but-secret-looking-42";

    [Fact]
    public async Task KeysWorkOnBothPortsAndNeverReachTheLog()
    {
        await using var service = await ServiceProcess.StartAsync(new Dictionary<string, string>
        {
            ["Logging__Json"] = "true",
            ["Logging__Level"] = "Debug",
            ["Auth__Enabled"] = "true",
            ["Auth__Keys__0__Name"] = AuthenticatedHost.ReaderName,
            ["Auth__Keys__0__Key"] = AuthenticatedHost.ReadKey,
            ["Auth__Keys__0__Role"] = "read",
            ["Auth__Keys__1__Name"] = AuthenticatedHost.WriterName,
            ["Auth__Keys__1__Key"] = AuthenticatedHost.WriteKey,
            ["Auth__Keys__1__Role"] = "write",
        });
        using var rest = new HttpClient { BaseAddress = service.RestAddress };
        var name = LayerNames.Unique("auth-process");

        using (var create = new HttpRequestMessage(HttpMethod.Post, "/v1/layers") { Content = Json(new JsonObject { ["name"] = name, ["channels"] = 2 }) })
        {
            create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AuthenticatedHost.WriteKey);
            Assert.Equal(HttpStatusCode.Created, (await rest.SendAsync(create)).StatusCode);
        }

        using (var wrong = new HttpRequestMessage(HttpMethod.Get, $"/v1/layers/{name}"))
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", WrongKey);
            Assert.Equal(HttpStatusCode.Unauthorized, (await rest.SendAsync(wrong)).StatusCode);
        }

        using var channel = GrpcChannel.ForAddress(service.GrpcAddress);
        var client = new BatchNorm.BatchNormClient(CallDeadline.On(channel));
        var readKey = new Metadata { { "authorization", "Bearer " + AuthenticatedHost.ReadKey } };
        var layer = await client.GetLayerAsync(new GetLayerRequest { Name = name }, readKey);
        Assert.Equal(name, layer.Layer.Config.Name);
        var denied = await Assert.ThrowsAsync<RpcException>(() => client.ResetAsync(new ResetRequest { Name = name }, readKey).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        var unauthenticated = await Assert.ThrowsAsync<RpcException>(() => client.GetLayerAsync(new GetLayerRequest { Name = name }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, unauthenticated.StatusCode);

        // Four request lines, the last the refused gRPC call; then every line is checked.
        await WaitForAsync(() => Lines(service).Count(l => (string?)l["GrpcStatus"] == "Unauthenticated") == 1, service);
        var lines = Lines(service);
        Assert.Contains(lines, l => (string?)l["Client"] == AuthenticatedHost.WriterName && (int?)l["StatusCode"] == 201);
        Assert.Contains(lines, l => (string?)l["Client"] == AuthenticatedHost.ReaderName && (string?)l["GrpcStatus"] == "PermissionDenied");
        foreach (var secret in new[] { AuthenticatedHost.ReadKey, AuthenticatedHost.WriteKey, WrongKey })
        {
            Assert.DoesNotContain(secret, service.Output, StringComparison.Ordinal);
        }
    }

    private static List<JsonObject> Lines(ServiceProcess service) =>
        [.. service.Output.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonNode.Parse(l)!.AsObject()).Where(l => l["Route"] is not null)];

    private static async Task WaitForAsync(Func<bool> condition, ServiceProcess service)
    {
        for (var attempt = 0; attempt < 100 && !condition(); attempt++)
        {
            await Task.Delay(100);
        }

        Assert.True(condition(), "the request lines did not appear:\n" + service.Output);
    }
}
