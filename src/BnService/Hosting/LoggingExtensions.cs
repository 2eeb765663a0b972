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
                .MinimumLevel.Override("Orleans", settings.FrameworkLevel)
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
    public static WebApplication UseBnRequestLogging(this WebApplication app)
    {
        app.UseSerilogRequestLogging(options =>
        {
            options.MessageTemplate = "HTTP {RequestMethod} {Route} layer {Layer} responded {StatusCode} in {Elapsed:0.000} ms";
            options.EnrichDiagnosticContext = (diagnostics, http) =>
            {
                diagnostics.Set("Route", (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? http.Request.Path.Value);
                diagnostics.Set("Layer", http.GetRouteValue("name") as string);
            };
        });
        return app;
    }
}
