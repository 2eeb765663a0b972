using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests;

/// <summary>The real process on real sockets: the Kestrel endpoints from configuration, REST over HTTP/1.1 and gRPC over h2c.</summary>
public class ProcessTests
{
    [Fact]
    public async Task TheProcessServesRestOverHttp1AndGrpcHealthOverHttp2()
    {
        await using var service = await ServiceProcess.StartAsync(new Dictionary<string, string> { ["Logging__Json"] = "true" });
        using var rest = new HttpClient { BaseAddress = service.RestAddress };

        using (var health = await rest.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal(HttpVersion.Version11, health.Version);
        }

        var name = LayerNames.Unique("process");
        await CreateLayerAsync(rest, new JsonObject { ["name"] = name, ["channels"] = 2 });
        var trained = await ReadJsonAsync(await rest.PostAsync($"/v1/layers/{name}/train", Json(new JsonObject { ["input"] = Tensor([2, 2], [1, 2, 3, 4]) })));
        Assert.Equal(1, (long)trained["step"]!);
        Assert.Equal(HttpStatusCode.OK, (await rest.GetAsync("/swagger/index.html")).StatusCode);

        // Kestrel's memory pool (summed by MemoryPoolMeter): one series per counter, named and labelled as the SDK names them.
        var metrics = await rest.GetStringAsync("/metrics");
        var rented = Assert.Single(metrics.Split('\n'), l => l.StartsWith("aspnetcore_memory_pool_rented_bytes_total{", StringComparison.Ordinal));
        Assert.StartsWith("aspnetcore_memory_pool_rented_bytes_total{otel_scope_name=\"Microsoft.AspNetCore.MemoryPool\",aspnetcore_memory_pool_owner=\"kestrel\"} ", rented, StringComparison.Ordinal);
        Assert.True(double.Parse(rented[(rented.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) > 0, rented);
        Assert.Single(metrics.Split('\n'), l => l.StartsWith("aspnetcore_memory_pool_pooled_bytes{", StringComparison.Ordinal));

        // grpc.health.v1.Health/Check with an empty HealthCheckRequest, framed by hand: HTTP/2 with prior knowledge.
        using var grpc = new HttpClient { BaseAddress = service.GrpcAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/grpc.health.v1.Health/Check")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        using var response = await grpc.SendAsync(request);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
        // One message of two bytes: field 1 (status) = 1 (SERVING).
        Assert.Equal(new byte[] { 0, 0, 0, 0, 2, 0x08, 0x01 }, body);

        // One structured JSON line per request, with route, layer, status and elapsed time.
        JsonObject? line = null;
        for (var attempt = 0; attempt < 50 && line is null; attempt++)
        {
            line = service.Output.Split('\n')
                .Where(l => l.StartsWith('{'))
                .Select(l => JsonNode.Parse(l)!.AsObject())
                .FirstOrDefault(l => (string?)l["Route"] == "/v1/layers/{name}/train");
            await Task.Delay(100);
        }

        Assert.True(line is not null, "no JSON request line for train in:\n" + service.Output);
        Assert.Equal(name, (string?)line!["Layer"]);
        Assert.Equal(200, (int)line["StatusCode"]!);
        Assert.True((double)line["Elapsed"]! > 0);
    }

    [Fact]
    public async Task ABadSettingStopsTheProcessWithAMessageNamingIt()
    {
        var (exitCode, output) = await ServiceProcess.RunToExitAsync(new Dictionary<string, string> { ["Storage__Kind"] = "redis" }, TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, exitCode);
        Assert.Contains("Storage:Kind", output, StringComparison.Ordinal);
    }
}
