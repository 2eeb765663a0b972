using System.Collections;
using System.Net;
using System.Text.Json.Nodes;
using Bn.V1;
using BnService.Hosting;
using BnService.Tests.Infrastructure;
using Grpc.Net.Client;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests;

/// <summary>
/// The real process reads its appsettings.json from its own directory wherever it is started from, and from the content
/// root the operator names when there is one, read as the host reads it (environment, then command line; a later source
/// wins, also when empty; an empty one is none) and taken from the current directory when relative.
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
    [InlineData("relative argument")]
    public async Task AContentRootTheOperatorSetsIsTheOneRead(string how)
    {
        // A content root whose appsettings.json keeps the service's endpoints and lowers the batch limit to 1 KiB.
        File.WriteAllText(Path.Combine(_elsewhere.FullName, "appsettings.json"), """
            {
              "Kestrel": { "Endpoints": { "Rest": { "Protocols": "Http1" }, "Grpc": { "Protocols": "Http2" } } },
              "Limits": { "MaxBatchBytes": 1024 }
            }
            """);
        await using var service = how switch
        {
            "argument" => await ServiceProcess.StartAsync(arguments: ["--contentRoot", _elsewhere.FullName]),
            "environment" => await ServiceProcess.StartAsync(new Dictionary<string, string> { ["ASPNETCORE_CONTENTROOT"] = _elsewhere.FullName }),
            // Typed in the parent directory: the framework alone would look for it beside the service's assembly.
            _ => await ServiceProcess.StartAsync(workingDirectory: _elsewhere.Parent!.FullName, arguments: ["--contentRoot", _elsewhere.Name]),
        };
        using var rest = new HttpClient { BaseAddress = service.RestAddress };

        using var small = await rest.PostAsync("/v1/ops/moments", Moments(256));
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        using var large = await rest.PostAsync("/v1/ops/moments", Moments(257));
        await AssertProblemAsync(large, HttpStatusCode.RequestEntityTooLarge);
    }

    /// <summary>Where the host, given <see cref="ContentRoot.Options(string[], IDictionary)"/>, reads appsettings.json.</summary>
    [Theory]
    [InlineData(new string[0], new string[0], null)]
    [InlineData(new[] { "DOTNET_CONTENTROOT", "/srv/d" }, new string[0], "/srv/d")]
    [InlineData(new[] { "ASPNETCORE_CONTENTROOT", "/srv/a" }, new string[0], "/srv/a")]
    [InlineData(new[] { "dotnet_contentRoot", "/srv/d" }, new string[0], "/srv/d")]
    // The host's order: ASPNETCORE_, then DOTNET_, then the command line.
    [InlineData(new[] { "ASPNETCORE_CONTENTROOT", "/srv/a", "DOTNET_CONTENTROOT", "/srv/d" }, new string[0], "/srv/d")]
    [InlineData(new[] { "ASPNETCORE_CONTENTROOT", "/srv/a", "DOTNET_CONTENTROOT", "/srv/d" }, new[] { "--contentRoot", "/srv/c" }, "/srv/c")]
    [InlineData(new string[0], new[] { "--contentRoot=/srv/c" }, "/srv/c")]
    [InlineData(new string[0], new[] { "/contentRoot", "/srv/c" }, "/srv/c")]
    // Set but empty: no content root (the service's directory), also over an earlier source's.
    [InlineData(new[] { "DOTNET_CONTENTROOT", "" }, new string[0], null)]
    [InlineData(new[] { "ASPNETCORE_CONTENTROOT", "/srv/a", "DOTNET_CONTENTROOT", "" }, new string[0], null)]
    [InlineData(new[] { "ASPNETCORE_CONTENTROOT", "", "DOTNET_CONTENTROOT", "/srv/d" }, new string[0], "/srv/d")]
    [InlineData(new[] { "DOTNET_CONTENTROOT", "/srv/d" }, new[] { "--contentRoot", "" }, null)]
    public void TheContentRootIsReadAsTheHostReadsIt(string[] variables, string[] args, string? expected)
    {
        var options = ContentRoot.Options(args, Environment(variables));
        Assert.Equal(args, options.Args);
        Assert.Equal(expected ?? AppContext.BaseDirectory, options.ContentRootPath);
    }

    [Theory]
    [InlineData("cfg")]
    [InlineData(".")]
    [InlineData("../cfg")]
    public void ARelativeContentRootIsTakenFromTheCurrentDirectory(string relative)
    {
        var expected = Path.GetFullPath(Path.Combine(System.Environment.CurrentDirectory, relative));
        Assert.Equal(expected, ContentRoot.Options(["--contentRoot", relative], Environment([])).ContentRootPath);
        Assert.Equal(expected, ContentRoot.Options([], Environment(["DOTNET_CONTENTROOT", relative])).ContentRootPath);
        Assert.True(Path.IsPathRooted(expected));
    }

    public void Dispose() => _elsewhere.Delete(recursive: true);

    /// <summary>An environment of <paramref name="variables"/> (name, value, name, value...) and an unrelated one.</summary>
    private static Hashtable Environment(string[] variables)
    {
        var environment = new Hashtable { ["PATH"] = "/usr/bin" };
        for (var i = 0; i < variables.Length; i += 2)
        {
            environment[variables[i]] = variables[i + 1];
        }

        return environment;
    }

    /// <summary>Moments of <paramref name="values"/> float32 values (4 bytes each) in one channel.</summary>
    private static StringContent Moments(int values) =>
        Json(new JsonObject { ["input"] = Tensor([values, 1], [.. Enumerable.Range(0, values).Select(i => (float)i)]), ["axes"] = new JsonArray(0) });
}
