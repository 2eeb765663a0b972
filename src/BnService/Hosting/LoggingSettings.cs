using Serilog.Events;

namespace BnService.Hosting;

/// <summary>Console logging (configuration section <c>Logging</c>): plain text by default, one JSON object a line with <c>Json</c>.</summary>
public sealed class LoggingSettings
{
    public const string Section = "Logging";

    public bool Json { get; set; }

    /// <summary>The minimum level of the service's own events and the request lines.</summary>
    public LogEventLevel Level { get; set; } = LogEventLevel.Information;

    /// <summary>The minimum level of framework events (ASP.NET Core, Orleans), which are chatty at Information.</summary>
    public LogEventLevel FrameworkLevel { get; set; } = LogEventLevel.Warning;
}
