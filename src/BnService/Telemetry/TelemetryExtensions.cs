using BnService.Security;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace BnService.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>Set (environment or configuration): metrics and traces also go out over OTLP.</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public const string MetricsPath = "/metrics";

    /// <summary>Orleans' activity sources (grain calls, with <c>AddActivityPropagation</c>) and its meter.</summary>
    private static readonly string[] OrleansSources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];
    private const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>
    /// ASP.NET Core's own meters, the ones OpenTelemetry's ASP.NET Core instrumentation listens to on .NET 10
    /// (<c>AddAspNetCoreInstrumentation</c> on metrics is only these, plus a middleware for <see cref="ServerErrorType"/>,
    /// which the request line does without a middleware of its own).
    /// </summary>
    internal static readonly string[] AspNetCoreMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Http.Connections",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.RateLimiting",
        "Microsoft.AspNetCore.Components",
        "Microsoft.AspNetCore.Components.Server.Circuits",
        "Microsoft.AspNetCore.Components.Lifecycle",
        "Microsoft.AspNetCore.Authorization",
        "Microsoft.AspNetCore.Authentication",
        "Microsoft.AspNetCore.Identity",
        MemoryPoolMeter.MeterName,
    ];

    /// <summary>
    /// OpenTelemetry metrics (ASP.NET Core and gRPC requests, Orleans, the .NET runtime, <see cref="LayerMetrics"/>)
    /// for Prometheus at <see cref="MetricsPath"/>, also exported over OTLP when <see cref="OtlpEndpointKey"/> is set
    /// (the exporter reads the other OTEL_EXPORTER_OTLP_* keys itself). Traces (requests, grain calls) exist only to be
    /// exported, so they are recorded only then: without a collector no grain call pays for an activity and its
    /// propagation, and a request gets only the bare Activity that carries its trace id (<see cref="RequestActivities"/>).
    /// </summary>
    public static WebApplicationBuilder AddBnTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelemetrySettings>().BindConfiguration(TelemetrySettings.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<LayerMetrics>();
        builder.Services.AddSingleton<MemoryPoolMeter>().AddTransient<IStartupFilter, MemoryPoolMeter.StartWithServer>();
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointKey]);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("bnservice"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(AspNetCoreMeters)
                    .AddView(instrument => MemoryPoolMeter.IsSummedHere(instrument) ? MetricStreamConfiguration.Drop : null)
                    .AddRuntimeInstrumentation()
                    .AddMeter(OrleansMeter, LayerMetrics.MeterName)
                    // No scrape cache: a scrape always shows the counts of that moment (scrapes are seconds apart anyway).
                    .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        if (!otlp)
        {
            builder.Services.AddHostedService<RequestActivities>();
        }
        else
        {
            builder.UseOrleans(silo => silo.AddActivityPropagation());
            telemetry.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments(MetricsPath))
                .AddSource(OrleansSources)
                .AddOtlpExporter());
        }

        return builder;
    }

    /// <summary>Prometheus' text format at <see cref="MetricsPath"/>: a read, by GET (any other method is a 405).</summary>
    public static WebApplication MapBnMetrics(this WebApplication app)
    {
        // The exporter maps its route for every method; a scrape is a GET.
        app.MapPrometheusScrapingEndpoint(MetricsPath).WithMetadata(new HttpMethodMetadata([HttpMethods.Get])).RequireAccess(AccessRole.Read);
        return app;
    }
}
