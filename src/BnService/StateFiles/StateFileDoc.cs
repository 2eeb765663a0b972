using BnService.Rest;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace BnService.StateFiles;

/// <summary>Marks the state-file routes, whose body (PUT) and answer (GET) take one of three forms by <c>format</c>.</summary>
public sealed record StateFileDoc;

/// <summary>Documents the three forms in OpenAPI: JSON (json or keras document) and a safetensors file.</summary>
internal sealed class StateFileDocFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (!context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<StateFileDoc>().Any())
        {
            return;
        }

        var content = new Dictionary<string, IOpenApiMediaType>
        {
            [RequestBodies.Json] = new OpenApiMediaType
            {
                Schema = new OpenApiSchema
                {
                    Description = "format=json: LayerStateDocument; format=keras: KerasWeightsDocument",
                    OneOf =
                    [
                        context.SchemaGenerator.GenerateSchema(typeof(LayerStateDocument), context.SchemaRepository),
                        context.SchemaGenerator.GenerateSchema(typeof(KerasWeightsDocument), context.SchemaRepository),
                    ],
                },
            },
            [RequestBodies.Binary] = new OpenApiMediaType
            {
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Format = "binary",
                    Description = "format=safetensors: weight, bias (with scale, center), running_mean, running_var (F32 [C]), num_batches_tracked (I64 [])",
                },
            },
        };

        if (context.ApiDescription.HttpMethod == HttpMethods.Put)
        {
            operation.RequestBody = new OpenApiRequestBody { Required = true, Content = content };
        }
        else if (operation.Responses?.TryGetValue("200", out var ok) == true && ok is OpenApiResponse response)
        {
            response.Content = content;
        }
    }
}
