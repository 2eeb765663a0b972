using BnService.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BnService.Grpc;

/// <summary>grpc.health.v1 reports the same readiness as <c>/readyz</c>: the silo is active.</summary>
public sealed class ReadinessHealthCheck(IReadiness readiness) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(readiness.IsReady ? HealthCheckResult.Healthy("the silo is active") : HealthCheckResult.Unhealthy("the silo is not active"));
}
