using System.Globalization;
using BnService.Grpc;
using BnService.Telemetry;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using GrpcStatusCode = Grpc.Core.StatusCode;

namespace BnService.Hosting;

public static class LoggingExtensions
{
    /// <summary>
    /// Serilog on the console, configured through the service collection (not a static bootstrap logger, so
    /// several hosts can live in one test run). <c>Logging:Json</c> switches to compact JSON lines.
    /// </summary>
    public static WebApplicationBuilder AddBnLogging(this WebApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(LoggingSettings.Section).Get<LoggingSettings>() ?? new LoggingSettings();
        builder.Services.AddSerilog((_, logger) =>
        {
            logger.MinimumLevel.Is(settings.Level)
                .MinimumLevel.Override("Microsoft", settings.FrameworkLevel)
                .MinimumLevel.Override("Microsoft.Hosting.Lifetime", settings.Level)
                .MinimumLevel.Override("Orleans", settings.FrameworkLevel)
                .MinimumLevel.Override("Polly", settings.FrameworkLevel)
                .MinimumLevel.Override("Serilog.AspNetCore.RequestLoggingMiddleware", settings.Level)
                // ASP.NET Core's own request lines ("Request starting/finished"), which the request line above replaces.
                // Off, not just quiet: while this logger is on at any level, every request also pays for a log scope and
                // an Activity of its own.
                .MinimumLevel.Override("Microsoft.AspNetCore.Hosting.Diagnostics", LevelAlias.Off)
                .Enrich.FromLogContext();
            if (settings.Json)
            {
                logger.WriteTo.Console(new CompactJsonFormatter());
            }
            else
            {
                logger.WriteTo.Console();
            }
        });
        return builder;
    }

    /// <summary>The request line of a REST call (and of any request without a gRPC status).</summary>
    public const string HttpTemplate = "HTTP {RequestMethod} {Route} layer {Layer} responded {StatusCode} in {Elapsed:0.000} ms";

    /// <summary>The request line of a gRPC call: its gRPC status first, since its HTTP status is 200 whatever happened.</summary>
    public const string GrpcTemplate = "gRPC {Route} layer {Layer} responded {GrpcStatus} (HTTP {StatusCode}) in {Elapsed:0.000} ms";

    /// <summary>
    /// One structured line per request: method, route, layer, status, elapsed milliseconds; a gRPC call's line
    /// says its gRPC status (<see cref="GrpcTemplate"/>, chosen per line by <see cref="RequestLineLogger"/>).
    /// </summary>
    /// <remarks>Call first: the line covers everything after it. The route and layer are recorded by <see cref="UseBnRouteLogging"/>.</remarks>
    public static WebApplication UseBnRequestLogging(this WebApplication app)
    {
        app.UseSerilogRequestLogging(options =>
        {
            options.MessageTemplate = HttpTemplate;
            options.Logger = new RequestLineLogger(() => Log.Logger, RequestLine.GrpcStatusProperty, GrpcTemplate);
            // Asked once per request, when its response is complete: also where a 5xx gets its metric's error.type.
            options.GetLevel = (http, _, exception) =>
            {
                ServerErrorType.Record(http, exception);
                return RequestLineLevel(http, exception);
            };
            // Only for a line that is written (Serilog asks after checking the level).
            options.EnrichDiagnosticContext = (diagnostics, http) =>
            {
                http.Features.Get<RequestLine>()?.WriteTo(diagnostics);
                // The status the call answered with, also for calls the interceptor never saw (an unknown method).
                if (GrpcStatusOf(http) is { } status)
                {
                    diagnostics.Set(RequestLine.GrpcStatusProperty, status);
                }
            };
        });
        return app;
    }

    /// <summary>
    /// Error for a fault or a 5xx, Information otherwise; a readiness probe's 503 (starting, or draining at shutdown)
    /// is the answer it exists to give, not a fault.
    /// </summary>
    public static LogEventLevel RequestLineLevel(HttpContext http, Exception? exception)
    {
        ArgumentNullException.ThrowIfNull(http);
        var probe = http.Request.Path == "/readyz" || http.Request.Path == "/v2/health/ready";
        return exception is null && (http.Response.StatusCode < 500 || probe) ? LogEventLevel.Information : LogEventLevel.Error;
    }

    /// <summary>
    /// Routing, then the matched route and layer name recorded for the request line (the exception handler clears
    /// them from the request before the line is written, so they are taken here).
    /// </summary>
    public static WebApplication UseBnRouteLogging(this WebApplication app)
    {
        app.UseRouting();
        app.Use((http, next) =>
        {
            var line = RequestLine.Of(http);
            line.Route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? http.Request.Path.Value;
            line.Layer = http.GetRouteValue("name") as string;
            return next(http);
        });
        return app;
    }

    /// <summary>The grpc-status the response carries (in its trailers, or its headers for a trailers-only answer), by name.</summary>
    private static string? GrpcStatusOf(HttpContext http)
    {
        var value = http.Features.Get<IHttpResponseTrailersFeature>()?.Trailers["grpc-status"].ToString();
        if (string.IsNullOrEmpty(value))
        {
            value = http.Response.Headers["grpc-status"].ToString();
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? ((GrpcStatusCode)code).ToString() : null;
    }
}
