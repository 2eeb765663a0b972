using Microsoft.Extensions.Options;

namespace BnService.Security;

public static class SecurityExtensions
{
    /// <summary>Access control: optional API keys and who may call what (see SECURITY.md).</summary>
    public static WebApplicationBuilder AddBnSecurity(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthSettings>().BindConfiguration(AuthSettings.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AuthSettings>, AuthSettingsValidation>();
        builder.Services.AddSingleton(sp => ApiKeyRing.TryLoad(sp.GetRequiredService<IOptions<AuthSettings>>().Value, out var ring, out var error)
            ? ring
            : throw new OptionsValidationException(AuthSettings.Section, typeof(AuthSettings), [error]));
        builder.AddBnSwaggerSecurity();
        return builder;
    }

    /// <summary>After routing (the endpoint's declaration decides what a call needs), before any endpoint or Swagger.</summary>
    public static WebApplication UseBnSecurity(this WebApplication app)
    {
        app.UseMiddleware<AccessControlMiddleware>();
        return app;
    }
}
