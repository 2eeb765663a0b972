using BnService.Hosting;
using Microsoft.AspNetCore.Http;
using Serilog.Events;

namespace BnService.Tests;

/// <summary>The request line's level: faults and 5xx are errors, except a readiness probe saying "not ready".</summary>
public class RequestLineLevelTests
{
    [Theory]
    [InlineData("/readyz", 503, LogEventLevel.Information)]
    [InlineData("/v2/health/ready", 503, LogEventLevel.Information)]
    [InlineData("/readyz", 200, LogEventLevel.Information)]
    [InlineData("/v1/layers/a/train", 503, LogEventLevel.Error)]
    [InlineData("/healthz", 500, LogEventLevel.Error)]
    [InlineData("/v1/layers/a", 404, LogEventLevel.Information)]
    public void Level(string path, int status, LogEventLevel expected)
    {
        var http = new DefaultHttpContext();
        http.Request.Path = path;
        http.Response.StatusCode = status;
        Assert.Equal(expected, LoggingExtensions.RequestLineLevel(http, null));
    }

    [Fact]
    public void AFaultIsAnErrorEvenOnAProbe()
    {
        var http = new DefaultHttpContext();
        http.Request.Path = "/readyz";
        Assert.Equal(LogEventLevel.Error, LoggingExtensions.RequestLineLevel(http, new InvalidOperationException()));
    }
}
