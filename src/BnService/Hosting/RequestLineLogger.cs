using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;
using ILogger = Serilog.ILogger;

namespace BnService.Hosting;

/// <summary>
/// The request log's logger: writes each line through <paramref name="target"/> (looked up per line, as the request
/// log does by default), with <paramref name="alternateTemplate"/> as its message template when the line carries
/// <paramref name="property"/>. The request log takes one template for all lines; this gives a gRPC call's line
/// its own, so plain text says the gRPC status rather than only the HTTP 200 every gRPC call gets.
/// </summary>
internal sealed class RequestLineLogger(Func<ILogger> target, string property, string alternateTemplate) : ILogger
{
    private readonly MessageTemplate _alternate = new MessageTemplateParser().Parse(alternateTemplate);

    public bool IsEnabled(LogEventLevel level) => target().IsEnabled(level);

    public void Write(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        if (logEvent.Properties.ContainsKey(property))
        {
            logEvent = new LogEvent(logEvent.Timestamp, logEvent.Level, logEvent.Exception, _alternate,
                logEvent.Properties.Select(p => new LogEventProperty(p.Key, p.Value)), logEvent.TraceId ?? default, logEvent.SpanId ?? default);
        }

        target().Write(logEvent);
    }

    public ILogger ForContext(ILogEventEnricher enricher) => With(logger => logger.ForContext(enricher));

    public ILogger ForContext(IEnumerable<ILogEventEnricher> enrichers) => With(logger => logger.ForContext(enrichers));

    public ILogger ForContext(string propertyName, object? value, bool destructureObjects = false) =>
        With(logger => logger.ForContext(propertyName, value, destructureObjects));

    public ILogger ForContext<TSource>() => With(logger => logger.ForContext<TSource>());

    public ILogger ForContext(Type source) => With(logger => logger.ForContext(source));

    private RequestLineLogger With(Func<ILogger, ILogger> context) => new(new DerivedLogger(target, context).Get, property, alternateTemplate);

    /// <summary>
    /// <paramref name="context"/> applied to <paramref name="root"/>'s current logger, made again only when that logger
    /// changes (a host that replaces the static logger): the request log asks for its logger on every request, and a
    /// derived Serilog logger is three objects.
    /// </summary>
    private sealed class DerivedLogger(Func<ILogger> root, Func<ILogger, ILogger> context)
    {
        // One object, so that a reader never pairs one root with another's derived logger.
        private Pair? _last;

        public ILogger Get()
        {
            var current = root();
            var last = Volatile.Read(ref _last);
            if (last is not null && ReferenceEquals(last.Root, current))
            {
                return last.Derived;
            }

            last = new Pair(current, context(current));
            Volatile.Write(ref _last, last);
            return last.Derived;
        }

        private sealed record Pair(ILogger Root, ILogger Derived);
    }
}
