using System.Text.Json;
using System.Text.Json.Serialization;
using BnService.Hosting;
using BnService.Rest.Json;
using BnService.Security;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace BnService.Rest;

public static class RestExtensions
{
    /// <summary>
    /// JSON with api.md's snake_case names (unknown members are a 400, so a misspelt option is not silently
    /// ignored), problem details for every error, the request-body reader and the OpenAPI document.
    /// </summary>
    public static WebApplicationBuilder AddBnRest(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<JsonOptions>().Configure<IOptions<LimitOptions>>((o, limits) => Configure(o.SerializerOptions, limits.Value.MaxBatchBytes));
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ClientErrorHandler>();
        builder.Services.Configure<ExceptionHandlerOptions>(o =>
        {
            o.StatusCodeSelector = ProblemMapping.StatusFor;
            // 404 is a client's answer here (an unknown layer), not a missing error page.
            o.AllowStatusCode404Response = true;
            // Client errors are answers, not faults: only the service's own faults are logged as errors.
            o.SuppressDiagnosticsCallback = c => ProblemMapping.For(c.Exception) is not null;
        });
        builder.Services.AddSingleton<RequestBodies>();
        // A wrong method on a REST path answers 405, also where gRPC's catch-all routes would match the path.
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, GrpcCatchAllPolicy>());
        builder.AddBnSwagger();
        return builder;
    }

    public static WebApplication MapBnRest(this WebApplication app)
    {
        app.MapLayerRoutes();
        app.MapOpsRoutes();
        app.MapBnSwagger();
        return app;
    }

    /// <summary>
    /// Problem details for thrown errors and for bare error statuses (unknown route, wrong method), for every request but
    /// gRPC calls: a gRPC call's errors are gRPC statuses (GrpcErrorInterceptor, or written before the call reaches gRPC),
    /// its HTTP status is 200 and its body is never a problem, so the two middlewares (one an async frame and a feature
    /// per request) would only cost each call. After routing: what is a gRPC call is its endpoint's to say (a gRPC
    /// method, or gRPC's own answer to an unknown one), never the request's content type alone.
    /// </summary>
    public static WebApplication UseBnProblems(this WebApplication app)
    {
        app.UseWhen(http => http.GetEndpoint()?.Metadata.GetMetadata<global::Grpc.AspNetCore.Server.GrpcMethodMetadata>() is null, rest =>
        {
            rest.UseExceptionHandler();
            rest.UseStatusCodePages(context =>
                ProblemMapping.WriteAsync(context.HttpContext, ProblemMapping.ForBareStatus(context.HttpContext)));
        });
        return app;
    }

    /// <summary>api.md's JSON: snake_case names, strict numbers, members and nulls, tensors of at most <paramref name="maxBatchBytes"/> each.</summary>
    public static void Configure(JsonSerializerOptions options, long maxBatchBytes)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.NumberHandling = JsonNumberHandling.Strict;
        // A null where the contract has no null (a required tensor, a name) is a 400 naming the field, never a null deep inside.
        options.RespectNullableAnnotations = true;
        options.Converters.Add(new JsonTensorConverter(maxBatchBytes));
        options.Converters.Add(new TensorDataConverter());
        options.Converters.Add(new ChannelValuesConverter());
    }
}
