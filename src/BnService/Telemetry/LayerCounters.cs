using System.Diagnostics;

namespace BnService.Telemetry;

/// <summary>
/// One layer's running totals (or those of every layer past the series cap). The hot path only adds to them;
/// <see cref="LayerMetrics"/> reads them when metrics are collected, so a call costs a few interlocked adds.
/// </summary>
public sealed class LayerCounters(string layer)
{
    private const int Operations = 3;

    private readonly long[] _calls = new long[Operations];
    private readonly long[] _bytes = new long[Operations];
    private readonly long[] _engineTicks = new long[Operations];

    /// <summary>The <c>layer</c> tag value.</summary>
    public string Layer => layer;

    /// <summary>One successful call: its batch bytes and the engine time since <paramref name="startTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public void Record(LayerOperation operation, long batchBytes, long startTimestamp)
    {
        var elapsed = Stopwatch.GetTimestamp() - startTimestamp;
        var i = (int)operation;
        Interlocked.Increment(ref _calls[i]);
        Interlocked.Add(ref _bytes[i], batchBytes);
        Interlocked.Add(ref _engineTicks[i], elapsed);
    }

    public long Calls(LayerOperation operation) => Interlocked.Read(ref _calls[(int)operation]);

    public long Bytes(LayerOperation operation) => Interlocked.Read(ref _bytes[(int)operation]);

    public double EngineSeconds(LayerOperation operation) => (double)Interlocked.Read(ref _engineTicks[(int)operation]) / Stopwatch.Frequency;
}
