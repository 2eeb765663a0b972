using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace BnService.Security;

public static class SecurityExtensions
{
    /// <summary>Access control (optional API keys, who may call what) and rate limits (see SECURITY.md).</summary>
    public static WebApplicationBuilder AddBnSecurity(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthSettings>().BindConfiguration(AuthSettings.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AuthSettings>, AuthSettingsValidation>();
        builder.Services.AddSingleton(sp => ApiKeyRing.TryLoad(sp.GetRequiredService<IOptions<AuthSettings>>().Value, out var ring, out var error)
            ? ring
            : throw new OptionsValidationException(AuthSettings.Section, typeof(AuthSettings), [error]));
        builder.AddBnSwaggerSecurity();

        builder.Services.AddOptions<RateLimitSettings>().BindConfiguration(RateLimitSettings.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RateLimitSettings>, RateLimitSettingsValidation>();
        builder.Services.AddSingleton<CallRateLimiter>();
        if (builder.Configuration.GetSection(RateLimitSettings.Section).Get<RateLimitSettings>()?.Enabled == true)
        {
            builder.Services.AddRateLimiter(_ => { });
            builder.Services.AddOptions<RateLimiterOptions>().Configure<CallRateLimiter>(RestRateLimiting.Configure);
            // Added after the error interceptor, so it runs inside it and the request line gets its status.
            builder.Services.Configure<GrpcServiceOptions>(o => o.Interceptors.Add<GrpcRateLimitInterceptor>());
        }

        return builder;
    }

    /// <summary>After routing (the endpoint's declaration decides what a call needs), before any endpoint or Swagger.</summary>
    public static WebApplication UseBnSecurity(this WebApplication app)
    {
        app.UseMiddleware<AccessControlMiddleware>();
        // After access control, so a call is counted against its key's name.
        if (app.Services.GetRequiredService<IOptions<RateLimitSettings>>().Value.Enabled)
        {
            app.UseRateLimiter();
        }

        return app;
    }
}
