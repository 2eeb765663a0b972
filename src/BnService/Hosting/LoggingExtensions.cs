using Microsoft.AspNetCore.Routing;
using Serilog;
using Serilog.Formatting.Compact;

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

    /// <summary>One structured line per request: method, route, layer, status, elapsed milliseconds.</summary>
    /// <remarks>Call first: the line covers everything after it. The route and layer are recorded by <see cref="UseBnRouteLogging"/>.</remarks>
    public static WebApplication UseBnRequestLogging(this WebApplication app)
    {
        app.UseSerilogRequestLogging(options =>
            options.MessageTemplate = "HTTP {RequestMethod} {Route} layer {Layer} responded {StatusCode} in {Elapsed:0.000} ms");
        return app;
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
            var diagnostics = http.RequestServices.GetRequiredService<IDiagnosticContext>();
            diagnostics.Set("Route", (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? http.Request.Path.Value);
            diagnostics.Set("Layer", http.GetRouteValue("name") as string);
            return next(http);
        });
        return app;
    }
}
