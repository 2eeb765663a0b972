using BnService.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BnService.Tests.Hostile;

/// <summary>
/// The service in memory whose log entries go to a <see cref="LogCapture"/> (instead of the console), so tests can
/// assert that nothing a client sent made the host log a fault.
/// </summary>
public class CapturingServiceFactory(IReadOnlyDictionary<string, string?>? settings = null) : BnServiceFactory(settings)
{
    public LogCapture Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<ILoggerFactory>(_ => new LoggerFactory([Logs])));
    }
}
