namespace BnService.StateFiles;

public static class StateFilesExtensions
{
    /// <summary>The state-file routes' OpenAPI description (the routes themselves need nothing else).</summary>
    public static WebApplicationBuilder AddBnStateFiles(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureSwaggerGen(o => o.OperationFilter<StateFileDocFilter>());
        return builder;
    }

    public static WebApplication MapBnStateFiles(this WebApplication app)
    {
        app.MapStateFileRoutes();
        return app;
    }
}
