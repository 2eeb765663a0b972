using BnService.Rest.Contracts;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace BnService.Rest;

/// <summary>
/// Documents a route's request body without routing on its content type: handlers read bodies themselves
/// (under the size limits) and answer a wrong content type with a 415 problem, which routing's own content-type
/// matching would turn into a bare status instead.
/// </summary>
public sealed record RequestBodyDoc(Type Type, string[] ContentTypes);

public static class RequestBodyDocExtensions
{
    public static RouteHandlerBuilder Body<T>(this RouteHandlerBuilder route, params string[] contentTypes) =>
        route.WithMetadata(new RequestBodyDoc(typeof(T), contentTypes));
}

internal sealed class RequestBodyDocFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<RequestBodyDoc>().FirstOrDefault() is not { } doc)
        {
            return;
        }

        var schema = context.SchemaGenerator.GenerateSchema(doc.Type, context.SchemaRepository);
        var content = new Dictionary<string, IOpenApiMediaType>();
        foreach (var type in doc.ContentTypes)
        {
            content[type] = new OpenApiMediaType
            {
                Schema = type == RequestBodies.Binary
                    ? new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = "little-endian float32 values; shape in X-Tensor-Shape" }
                    : schema,
            };
        }

        operation.RequestBody = new OpenApiRequestBody { Required = true, Content = content };
    }
}
