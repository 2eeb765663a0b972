using System.Net;
using System.Text.Json.Nodes;
using BnService.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using static BnService.Tests.Infrastructure.RestCalls;
using BnService.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace BnService.Tests.Telemetry;

/// <summary>error.type on the request duration metric: the status of a 5xx answered without an escaping exception.</summary>
public class ServerErrorTypeTests
{
    [Theory]
    [InlineData(503, "503")]
    [InlineData(500, "500")]
    [InlineData(599, "599")]
    [InlineData(200, null)]
    [InlineData(404, null)]
    [InlineData(499, null)]
    public void A5xxIsTaggedWithItsStatus(int status, string? expected)
    {
        var (http, tags) = Request(status);
        ServerErrorType.Record(http, null);
        Assert.Equal(expected, ErrorType(tags));
    }

    [Fact]
    public void AnExceptionTypeAlreadyNamedWins()
    {
        var (http, tags) = Request(500);
        tags.Tags.Add(new(ServerErrorType.Tag, "System.InvalidOperationException"));
        ServerErrorType.Record(http, null);
        Assert.Equal("System.InvalidOperationException", Assert.Single(tags.Tags).Value);
    }

    [Fact]
    public void AnEscapingExceptionIsLeftToTheHostingLayer()
    {
        var (http, tags) = Request(500);
        ServerErrorType.Record(http, new InvalidOperationException());
        Assert.Empty(tags.Tags);
    }

    [Fact]
    public void WithoutTheHostingMetersNothingIsRecorded()
    {
        var http = new DefaultHttpContext();
        http.Response.StatusCode = 500;
        ServerErrorType.Record(http, null);
        Assert.Null(http.Features.Get<IHttpMetricsTagsFeature>());
    }

    private static (HttpContext Http, MetricsTags Tags) Request(int status)
    {
        var http = new DefaultHttpContext();
        var tags = new MetricsTags();
        http.Features.Set<IHttpMetricsTagsFeature>(tags);
        http.Response.StatusCode = status;
        return (http, tags);
    }

    private static string? ErrorType(MetricsTags tags) =>
        tags.Tags.Where(t => t.Key == ServerErrorType.Tag).Select(t => t.Value as string).SingleOrDefault();

    private sealed class MetricsTags : IHttpMetricsTagsFeature
    {
        public ICollection<KeyValuePair<string, object?>> Tags { get; } = [];

        public bool MetricsDisabled { get; set; }
    }
}

/// <summary>
/// End to end: a call the service answers with a 5xx has <c>error_type</c> on its request-duration series in /metrics
/// (here a fault the exception handler answers, which ASP.NET Core tags with the exception's type itself; a 5xx
/// without an exception gets its status from <see cref="ServerErrorType"/>, tested above).
/// </summary>
public sealed class ServerErrorTypeMetricsTests
{
    [Fact]
    public async Task AFailedWriteShowsItsErrorTypeInMetrics()
    {
        var storage = new BnService.Tests.Layers.FailingWrites();
        await using var factory = new BnServiceFactory();
        using var failing = factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(storage.Install));
        using var client = failing.CreateClient();
        var name = LayerNames.Unique("error-type");
        await CreateLayerAsync(client, new JsonObject { ["name"] = name, ["channels"] = 2 });
        storage.Failing = true;
        using (var response = await client.PostAsync($"/v1/layers/{name}/train", Json(new JsonObject { ["input"] = Tensor([4, 2], [1, 2, 3, 4, 5, 6, 7, 9]) })))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }

        var text = await client.GetStringAsync("/metrics");
        var series = text.Split('\n').Where(line => line.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal)
            && line.Contains("http_response_status_code=\"500\"", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(series);
        Assert.All(series, line => Assert.Contains("error_type=\"", line, StringComparison.Ordinal));
    }
}
