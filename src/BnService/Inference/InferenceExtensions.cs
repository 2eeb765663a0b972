using BnService.Inference.Grpc;
using BnService.Inference.Rest;
using Microsoft.AspNetCore.Mvc;

namespace BnService.Inference;

/// <summary>The Open Inference Protocol feature: <c>/v2</c> on the REST port, <c>inference.GRPCInferenceService</c> on the gRPC port.</summary>
public static class InferenceExtensions
{
    public static WebApplicationBuilder AddBnInference(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<LayerModels>();
        builder.Services.AddSingleton<InferRequestReader>();
        builder.Services.Configure<ProblemDetailsOptions>(options =>
        {
            var previous = options.CustomizeProblemDetails;
            options.CustomizeProblemDetails = context =>
            {
                previous?.Invoke(context);
                InferenceErrors.Customize(context);
            };
        });
        return builder;
    }

    public static WebApplication MapBnInference(this WebApplication app)
    {
        app.MapInferenceRoutes();
        // As for bn.v1: gRPC limits each message (MaxReceiveMessageSize) instead of Kestrel's 30 MB body limit.
        app.MapGrpcService<InferenceGrpcService>().WithMetadata(new DisableRequestSizeLimitAttribute());
        return app;
    }
}
