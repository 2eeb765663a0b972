using System.Globalization;
using Microsoft.AspNetCore.Http.Features;

namespace BnService.Telemetry;

/// <summary>
/// <c>error.type</c> on ASP.NET Core's <c>http.server.request.duration</c> for a request answered with a 5xx without an
/// exception escaping (a readiness probe's 503, a fault the exception handler turned into a 500 problem): the semantic
/// conventions ask for the status there, and ASP.NET Core 10 sets the tag only for an exception it sees. OpenTelemetry's
/// ASP.NET Core instrumentation does this in a middleware of its own, an async frame on every request; here it is done
/// when the request's line is settled (<see cref="Hosting.LoggingExtensions.UseBnRequestLogging"/>), which every request
/// passes through once its response is complete and before the hosting layer records the metric.
/// </summary>
public static class ServerErrorType
{
    public const string Tag = "error.type";

    /// <summary>Adds the status as <c>error.type</c> to a 5xx request's metric tags, unless a middleware already named an exception type.</summary>
    public static void Record(HttpContext http, Exception? exception)
    {
        ArgumentNullException.ThrowIfNull(http);
        // An exception that escapes the pipeline is tagged by the hosting layer itself, with its type.
        var status = http.Response.StatusCode;
        if (exception is not null || status is < 500 or > 599
            // Present only while the hosting meter is listened to.
            || http.Features.Get<IHttpMetricsTagsFeature>() is not { } metrics)
        {
            return;
        }

        foreach (var tag in metrics.Tags)
        {
            if (tag.Key == Tag)
            {
                return;
            }
        }

        metrics.Tags.Add(new(Tag, status.ToString(CultureInfo.InvariantCulture)));
    }
}
