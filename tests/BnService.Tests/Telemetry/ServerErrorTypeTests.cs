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
