using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace BnService.Telemetry;

/// <summary>
/// The service's own meter (<see cref="MeterName"/>): train steps, infer and backward calls, batch bytes and
/// engine time, tagged by layer up to <see cref="TelemetrySettings.MaxLayerSeries"/> layers per node. All are
/// observable counters read at collection time from <see cref="LayerCounters"/>, so the layer grains' hot path
/// never touches an instrument.
/// </summary>
public sealed class LayerMetrics
{
    public const string MeterName = "BnService";
    public const string OtherLayers = "_other";

    private readonly ConcurrentDictionary<string, LayerCounters> _layers = new(StringComparer.Ordinal);
    private readonly LayerCounters _other = new(OtherLayers);
    private readonly int _maxSeries;

    public LayerMetrics(IMeterFactory meters, IOptions<TelemetrySettings> settings)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(settings);
        _maxSeries = settings.Value.MaxLayerSeries;
        var meter = meters.Create(MeterName);
        meter.CreateObservableCounter("bn.train.steps", () => Each(c => c.Calls(LayerOperation.Train)), "{step}",
            "Training batches applied (a request_id replay is not counted again)");
        meter.CreateObservableCounter("bn.infer.calls", () => Each(c => c.Calls(LayerOperation.Infer)), "{call}",
            "Inference calls answered");
        meter.CreateObservableCounter("bn.backward.calls", () => Each(c => c.Calls(LayerOperation.Backward)), "{call}",
            "Backward calls answered (with or without apply)");
        meter.CreateObservableCounter("bn.batch.bytes", () => EachOperation<long>(c => c.Bytes), "By",
            "Bytes of float32 batches processed (backward: input and grad_output)");
        meter.CreateObservableCounter("bn.engine.time", () => EachOperation<double>(c => c.EngineSeconds), "s",
            "Time spent in the engine's math on the layer's node");
    }

    /// <summary>The counters for a layer: its own while there is room under the cap, else the shared <c>_other</c>.</summary>
    public LayerCounters For(string layer)
    {
        if (_layers.TryGetValue(layer, out var counters))
        {
            return counters;
        }

        return _layers.Count >= _maxSeries ? _other : _layers.GetOrAdd(layer, static name => new LayerCounters(name));
    }

    /// <summary>A deleted layer's series goes away and frees its place under the cap.</summary>
    public void Forget(string layer) => _layers.TryRemove(layer, out _);

    private IEnumerable<LayerCounters> All() => _layers.Values.Append(_other);

    private IEnumerable<Measurement<long>> Each(Func<LayerCounters, long> value) =>
        All().Select(c => new Measurement<long>(value(c), new KeyValuePair<string, object?>("layer", c.Layer)));

    private IEnumerable<Measurement<T>> EachOperation<T>(Func<LayerCounters, Func<LayerOperation, T>> value) where T : struct =>
        All().SelectMany(c => Enum.GetValues<LayerOperation>().Select(op => new Measurement<T>(value(c)(op),
            new KeyValuePair<string, object?>("layer", c.Layer), new KeyValuePair<string, object?>("operation", OperationName(op)))));

    private static string OperationName(LayerOperation operation) => operation switch
    {
        LayerOperation.Train => "train",
        LayerOperation.Infer => "infer",
        _ => "backward",
    };

    /// <summary>A timestamp for <see cref="LayerCounters.Record"/>.</summary>
    public static long Start() => Stopwatch.GetTimestamp();
}
