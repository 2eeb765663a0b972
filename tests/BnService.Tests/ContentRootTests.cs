using System.Net;
using System.Text.Json.Nodes;
using Bn.V1;
using BnService.Tests.Infrastructure;
using Grpc.Net.Client;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests;

/// <summary>
/// The real process reads its appsettings.json from its own directory wherever it is started from, and from the content
/// root the operator names when there is one.
/// </summary>
public sealed class ContentRootTests : IDisposable
{
    private readonly DirectoryInfo _elsewhere = Directory.CreateTempSubdirectory("bn-content-root-");

    [Fact]
    public async Task TheProcessStartedFromAnotherDirectoryReadsItsOwnAppsettings()
    {
        await using var service = await ServiceProcess.StartAsync(workingDirectory: _elsewhere.FullName);

        // The gRPC endpoint's Protocols (Http2) comes from appsettings.json alone (the test sets only its URL): without
        // it the port would speak HTTP/1.1 only and refuse gRPC's HTTP/2 without TLS.
        using var channel = GrpcChannel.ForAddress(service.GrpcAddress);
        var layers = await new BatchNorm.BatchNormClient(channel).ListLayersAsync(new ListLayersRequest(), deadline: DateTime.UtcNow.AddSeconds(30));
        Assert.NotNull(layers);
        using var rest = new HttpClient { BaseAddress = service.RestAddress };
        Assert.Equal(HttpStatusCode.OK, (await rest.GetAsync("/healthz")).StatusCode);
    }

    [Theory]
    [InlineData("argument")]
    [InlineData("environment")]
    public async Task AContentRootTheOperatorSetsIsTheOneRead(string how)
    {
        // A content root whose appsettings.json keeps the service's endpoints and lowers the batch limit to 1 KiB.
        File.WriteAllText(Path.Combine(_elsewhere.FullName, "appsettings.json"), """
            {
              "Kestrel": { "Endpoints": { "Rest": { "Protocols": "Http1" }, "Grpc": { "Protocols": "Http2" } } },
              "Limits": { "MaxBatchBytes": 1024 }
            }
            """);
        await using var service = how == "argument"
            ? await ServiceProcess.StartAsync(arguments: ["--contentRoot", _elsewhere.FullName])
            : await ServiceProcess.StartAsync(new Dictionary<string, string> { ["ASPNETCORE_CONTENTROOT"] = _elsewhere.FullName });
        using var rest = new HttpClient { BaseAddress = service.RestAddress };

        using var small = await rest.PostAsync("/v1/ops/moments", Moments(256));
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        using var large = await rest.PostAsync("/v1/ops/moments", Moments(257));
        await AssertProblemAsync(large, HttpStatusCode.RequestEntityTooLarge);
    }

    public void Dispose() => _elsewhere.Delete(recursive: true);

    /// <summary>Moments of <paramref name="values"/> float32 values (4 bytes each) in one channel.</summary>
    private static StringContent Moments(int values) =>
        Json(new JsonObject { ["input"] = Tensor([values, 1], [.. Enumerable.Range(0, values).Select(i => (float)i)]), ["axes"] = new JsonArray(0) });
}
