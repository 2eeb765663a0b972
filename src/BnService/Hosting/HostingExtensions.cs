using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace BnService.Hosting;

public static class HostingExtensions
{
    /// <summary>
    /// Settings bound from configuration and checked at start (a bad value stops the process with its key named),
    /// and Kestrel's HTTP/2 flow-control windows raised for large gRPC messages. The endpoints themselves come
    /// from <c>Kestrel:Endpoints:Rest</c> and <c>Kestrel:Endpoints:Grpc</c> in configuration. Shutdown drains first
    /// (<see cref="ShutdownDrain"/>) within <c>Shutdown:Timeout</c>.
    /// </summary>
    public static WebApplicationBuilder AddBnHosting(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<LimitOptions>().BindConfiguration(LimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<ClusterSettings>().BindConfiguration(ClusterSettings.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<StorageSettings>().BindConfiguration(StorageSettings.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<ClusterSettings>, ClusterSettingsValidation>();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<StorageSettings>, StorageSettingsValidation>();

        builder.Services.AddOptions<ShutdownSettings>().BindConfiguration(ShutdownSettings.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<ShutdownSettings>>((host, shutdown) => host.ShutdownTimeout = shutdown.Value.Timeout);
        builder.Services.AddSingleton<ShutdownDrain>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ShutdownDrain>());

        builder.Services.Configure<KestrelServerOptions>(kestrel =>
        {
            kestrel.Limits.Http2.InitialConnectionWindowSize = 16 * 1024 * 1024;
            kestrel.Limits.Http2.InitialStreamWindowSize = 8 * 1024 * 1024;
        });
        return builder;
    }
}
