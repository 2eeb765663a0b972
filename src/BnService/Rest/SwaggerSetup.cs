using System.Text.Json.Nodes;
using BnEngine;
using BnService.Layers;
using BnService.Rest.Json;
using Microsoft.Extensions.FileProviders;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerUI;

namespace BnService.Rest;

/// <summary>Swagger UI at <c>/swagger</c> and the document at <c>/swagger/v1/swagger.json</c>.</summary>
public static class SwaggerSetup
{
    public const string DocumentPath = "/swagger/v1/swagger.json";

    /// <summary>Swagger UI's pages (the entry, which redirects, and the page) and the document.</summary>
    public static readonly IReadOnlyList<string> Pages = ["/swagger", "/swagger/", "/swagger/index.html", DocumentPath];

    /// <summary>
    /// Swagger UI's static files (its scripts, styles and icons, <c>/swagger/index.css</c>), which its middleware serves
    /// from these files embedded in its package.
    /// </summary>
    public static readonly IFileProvider UiFiles =
        new EmbeddedFileProvider(typeof(SwaggerUIOptions).Assembly, "Swashbuckle.AspNetCore.SwaggerUI.node_modules.swagger_ui_dist");

    public static WebApplicationBuilder AddBnSwagger(this WebApplicationBuilder builder)
    {
        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "BnService",
                Version = "v1",
                Description = "Batch normalization as a service: named layers that compute what TensorFlow, Keras and PyTorch compute. " +
                              "Errors are RFC 9457 problem details (application/problem+json) with errors{field: [messages]}.",
            });
            o.OperationFilter<RequestBodyDocFilter>();
            o.MapType<JsonTensor>(TensorSchema);
            o.MapType<TensorData>(TensorSchema);
            o.MapType<ChannelValues>(() => new OpenApiSchema
            {
                Description = "one number for every channel, or an array of one number per channel",
                OneOf = [new OpenApiSchema { Type = JsonSchemaType.Number }, new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.Number } }],
            });
            o.MapType<Decay>(() => new OpenApiSchema
            {
                Type = JsonSchemaType.Number | JsonSchemaType.Null,
                Description = "a number in [0, 1]; null: the cumulative average; absent: the convention's default",
            });
        });
        return builder;
    }

    /// <summary>
    /// Swagger's middlewares only on <c>/swagger</c> paths: elsewhere they would still resolve their services and match
    /// their paths on every call (about a microsecond each, on calls that take tens).
    /// </summary>
    public static WebApplication MapBnSwagger(this WebApplication app)
    {
        app.UseWhen(http => http.Request.Path.StartsWithSegments("/swagger"), swagger =>
        {
            swagger.Use(RefuseWritesToPages);
            swagger.UseSwagger();
            swagger.UseSwaggerUI(o => o.SwaggerEndpoint(DocumentPath, "BnService v1"));
        });
        return app;
    }

    /// <summary>
    /// 405 (with <c>Allow</c>; the problem comes from the status code pages) for another method than GET or HEAD on
    /// Swagger UI's pages, its static files and the document. They are served by middleware, not endpoints, so routing
    /// cannot answer it. A request that may be a gRPC call (<c>POST /swagger/index.html</c> as <c>application/grpc</c>)
    /// is gRPC's to answer (UNIMPLEMENTED), as on any other path.
    /// </summary>
    private static Task RefuseWritesToPages(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)
            || !IsPageOrFile(request.Path)
            || GrpcCatchAllPolicy.MayBeGrpcCall(request))
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
        context.Response.Headers.Allow = $"{HttpMethods.Get}, {HttpMethods.Head}";
        return Task.CompletedTask;
    }

    /// <summary>One of <see cref="Pages"/>, or one of <see cref="UiFiles"/> (<c>/swagger/{file}</c>, as a GET finds it).</summary>
    private static bool IsPageOrFile(PathString path) =>
        Pages.Contains(path.Value ?? "", StringComparer.OrdinalIgnoreCase)
        || (path.StartsWithSegments("/swagger", out var rest) && rest.Value is ['/', .. var file]
            && file.Length > 0 && !file.Contains('/', StringComparison.Ordinal) && UiFiles.GetFileInfo(file).Exists);

    private static OpenApiSchema TensorSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "row-major float32 tensor; data.length == prod(shape)",
        Required = new HashSet<string> { "shape", "data" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["shape"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.Integer }, Examples = [JsonNode.Parse("[2, 3]")!] },
            ["data"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.Number }, Examples = [JsonNode.Parse("[0.5, -1, 2, 0, 1.5, 3]")!] },
        },
    };
}
