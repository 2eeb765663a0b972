namespace BnService.Security;

public static class SecurityExtensions
{
    /// <summary>Access control: who may call what (see SECURITY.md).</summary>
    public static WebApplicationBuilder AddBnSecurity(this WebApplicationBuilder builder) => builder;

    /// <summary>After routing (the endpoint's declaration decides what a call needs), before any endpoint or Swagger.</summary>
    public static WebApplication UseBnSecurity(this WebApplication app)
    {
        app.UseMiddleware<AccessControlMiddleware>();
        return app;
    }
}
