using BnService.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BnService.Hosting;

public static class HealthEndpoints
{
    /// <summary><c>/healthz</c>: the process answers. <c>/readyz</c>: the silo is active and layer calls can be served.</summary>
    public static WebApplication MapBnHealth(this WebApplication app)
    {
        // Open: load balancers and orchestrators probe without keys.
        var health = app.MapGroup("").WithTags("Health").AllowOpenAccess();
        health.MapGet("/healthz", () => TypedResults.Ok(new HealthStatus("up")))
            .WithName("Liveness").WithSummary("The process is up.");
        health.MapGet("/readyz", Results<Ok<HealthStatus>, JsonHttpResult<HealthStatus>> (IReadiness readiness) =>
                readiness.IsReady
                    ? TypedResults.Ok(new HealthStatus("ready"))
                    : TypedResults.Json(new HealthStatus(readiness.State), statusCode: StatusCodes.Status503ServiceUnavailable))
            .WithName("Readiness").WithSummary("The Orleans silo is active and the service is not shutting down; 503 (\"starting\" or \"stopping\") otherwise.")
            .Produces<HealthStatus>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }
}

public sealed record HealthStatus(string Status);
