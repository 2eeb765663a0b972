using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace BnService.Security;

/// <summary>
/// With authentication on, the OpenAPI document declares the Bearer scheme and, on every operation that needs a key,
/// the requirement and its 401 / 403 answers, so Swagger UI's "Authorize" sends the key. With it off, neither.
/// </summary>
public static class SwaggerSecurity
{
    public const string Scheme = "Bearer";

    public static WebApplicationBuilder AddBnSwaggerSecurity(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureSwaggerGen(o =>
        {
            o.DocumentFilter<BearerSchemeFilter>();
            o.OperationFilter<AccessRequirementFilter>();
        });
        return builder;
    }

    private sealed class BearerSchemeFilter(IOptions<AuthSettings> settings) : IDocumentFilter
    {
        public void Apply(OpenApiDocument document, DocumentFilterContext context)
        {
            if (!settings.Value.Enabled)
            {
                return;
            }

            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[Scheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An API key: Authorization: Bearer <key>. Read keys may get, list, infer and call the stateless ops; write keys may do everything.",
            };
        }
    }

    private sealed class AccessRequirementFilter(IOptions<AuthSettings> settings) : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            if (!settings.Value.Enabled || AccessControl.Needed(context.ApiDescription.ActionDescriptor.EndpointMetadata) is not { } role)
            {
                return;
            }

            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Scheme, context.Document)] = [] });
            operation.Description = $"{operation.Description}{(string.IsNullOrEmpty(operation.Description) ? "" : " ")}Needs a key with the '{role.ApiName()}' role.".Trim();
            operation.Responses ??= new OpenApiResponses();
            operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No valid API key (WWW-Authenticate: Bearer)" });
            operation.Responses.TryAdd("403", new OpenApiResponse { Description = $"The key lacks the '{role.ApiName()}' role" });
        }
    }
}
