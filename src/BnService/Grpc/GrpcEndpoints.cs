using BnService.Hosting;
using BnService.Security;
using Grpc.AspNetCore.HealthChecks;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace BnService.Grpc;

/// <summary>The gRPC feature: <c>bn.v1.BatchNorm</c>, <c>grpc.health.v1</c> and server reflection.</summary>
public static class GrpcEndpoints
{
    /// <summary>Health checks with this tag decide what grpc.health.v1 reports: the silo readiness /readyz reports.</summary>
    public const string ReadyTag = "ready";

    /// <summary>Room in a message beyond its tensors' values (names, shapes, field tags, per-channel data).</summary>
    public const int EnvelopeBytes = 1 << 20;

    public static WebApplicationBuilder AddBnGrpc(this WebApplicationBuilder builder)
    {
        // One interceptor for errors and the request line (see GrpcErrorInterceptor for why one).
        builder.Services.AddGrpc(options => options.Interceptors.Add<GrpcErrorInterceptor>());
        // Stateless: registered, the service and the interceptor are resolved once instead of constructed per call.
        builder.Services.AddSingleton<BatchNormGrpcService>();
        builder.Services.AddSingleton<GrpcErrorInterceptor>();
        builder.Services.AddOptions<GrpcServiceOptions>().Configure<IOptions<LimitOptions>>((options, limits) =>
            options.MaxReceiveMessageSize = MaxMessageBytes(limits.Value.MaxBatchBytes));
        builder.Services.AddSingleton(sp => new TensorWire(sp.GetRequiredService<IOptions<LimitOptions>>().Value.MaxBatchBytes));
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks(options =>
            {
                options.Services.Map("", Ready);
                options.Services.Map(Bn.V1.BatchNorm.Descriptor.FullName, Ready);
                options.Services.Map(global::Inference.GRPCInferenceService.Descriptor.FullName, Ready);
            })
            .AddCheck<ReadinessHealthCheck>("silo", tags: [ReadyTag]);
        return builder;
    }

    public static WebApplication MapBnGrpc(this WebApplication app)
    {
        // Kestrel's request body limit (30 MB by default) would cut a large message, and a stream's body is every
        // message it carries: gRPC limits each message instead (MaxReceiveMessageSize, RESOURCE_EXHAUSTED).
        app.MapGrpcService<BatchNormGrpcService>().WithMetadata(new DisableRequestSizeLimitAttribute());
        // Access of bn.v1.BatchNorm: [RequireAccess] on each method. Health is open (probes carry no keys), and so is
        // reflection: it describes the API (as Swagger does), never a layer.
        app.MapGrpcHealthChecksService().AllowOpenAccess();
        app.MapGrpcReflectionService().AllowOpenAccess();
        return app;
    }

    /// <summary>
    /// The receive limit: two tensors at the batch limit (backward carries input and grad_output) plus the
    /// envelope. Each tensor is also checked on its own against MaxBatchBytes (RESOURCE_EXHAUSTED).
    /// </summary>
    public static int MaxMessageBytes(long maxBatchBytes) => (int)Math.Min(int.MaxValue, 2 * maxBatchBytes + EnvelopeBytes);

    private static bool Ready(HealthCheckMapContext check) => check.Tags.Contains(ReadyTag);
}
