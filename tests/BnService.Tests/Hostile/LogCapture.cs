using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace BnService.Tests.Hostile;

/// <summary>
/// Keeps every log entry of a host at Warning and above (with its exception), so a test can assert that no
/// request made the service log a fault: no Error or Critical entry carrying an exception.
/// </summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();
    private long _count;

    public IReadOnlyCollection<LogEntry> Entries => _entries;

    /// <summary>How many entries were kept so far: pass it to <see cref="AssertNoFaults"/> to look only at what came after.</summary>
    public long Mark() => Interlocked.Read(ref _count);

    /// <summary>Error or Critical entries with an exception (what an unhandled fault leaves in the log), from entry <paramref name="since"/> on.</summary>
    public IReadOnlyList<LogEntry> Faults(long since = 0) =>
        [.. _entries.Skip((int)since).Where(e => e.Level >= LogLevel.Error && e.Exception is not null)];

    public void AssertNoFaults(string during, long since = 0)
    {
        var faults = Faults(since);
        Assert.True(faults.Count == 0, $"{during}: the host logged {faults.Count} fault(s); first: {faults.FirstOrDefault()}");
    }

    public ILogger CreateLogger(string categoryName) => new CategoryLogger(categoryName, this);

    public void Dispose()
    {
    }

    private void Add(LogEntry entry)
    {
        // Entries are counted as they are queued, so a mark never skips one.
        lock (_entries)
        {
            _entries.Enqueue(entry);
            _count++;
        }
    }

    private sealed class CategoryLogger(string category, LogCapture capture) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                capture.Add(new LogEntry(logLevel, category, formatter(state, exception), exception));
            }
        }
    }
}

public sealed record LogEntry(LogLevel Level, string Category, string Message, Exception? Exception)
{
    public override string ToString() => $"{Level} {Category}: {Message} {Exception}";
}
