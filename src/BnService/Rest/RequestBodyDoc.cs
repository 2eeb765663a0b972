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
            content[type] = new OpenApiMediaType { Schema = type == RequestBodies.Binary ? BinaryTensor() : schema };
        }

        operation.RequestBody = new OpenApiRequestBody { Required = true, Content = content };

        // A route that takes a binary tensor answers with one too when asked (Accept: application/octet-stream).
        if (doc.ContentTypes.Contains(RequestBodies.Binary) && operation.Responses?.TryGetValue("200", out var ok) == true && ok is OpenApiResponse response)
        {
            response.Content ??= new Dictionary<string, IOpenApiMediaType>();
            response.Content[RequestBodies.Binary] = new OpenApiMediaType { Schema = BinaryTensor() };
            response.Description = "OK. Binary answers carry X-Tensor-Shape (and for train X-Layer-Step, X-Pending-Updates).";
        }
    }

    private static OpenApiSchema BinaryTensor() =>
        new() { Type = JsonSchemaType.String, Format = "binary", Description = "little-endian float32 values; shape in X-Tensor-Shape" };
}
