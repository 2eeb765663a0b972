using System.Diagnostics;
using System.Diagnostics.Metrics;
using BnService.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BnService.Tests.Telemetry;

/// <summary>LayerMetrics on its own: per-layer series up to the cap, the rest under layer="_other".</summary>
public class LayerMetricsTests
{
    private static (LayerMetrics Metrics, Func<string, Dictionary<string, double>> Collect) Create(int maxLayerSeries)
    {
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        var metrics = new LayerMetrics(factory, Options.Create(new TelemetrySettings { MaxLayerSeries = maxLayerSeries }));

        Dictionary<string, double> Collect(string instrument)
        {
            var values = new Dictionary<string, double>();
            using var listener = new MeterListener();
            listener.InstrumentPublished = (i, l) =>
            {
                if (i.Name == instrument && ReferenceEquals(i.Meter.Scope, factory))
                {
                    l.EnableMeasurementEvents(i);
                }
            };

            void Add(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
            {
                var key = string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"));
                values[key] = value;
            }

            listener.SetMeasurementEventCallback<long>((_, v, tags, _) => Add(v, tags));
            listener.SetMeasurementEventCallback<double>((_, v, tags, _) => Add(v, tags));
            listener.Start();
            listener.RecordObservableInstruments();
            return values;
        }

        return (metrics, Collect);
    }

    [Fact]
    public void LayersPastTheCapShareOneSeries()
    {
        var (metrics, collect) = Create(maxLayerSeries: 2);
        var start = Stopwatch.GetTimestamp();
        metrics.For("a").Record(LayerOperation.Train, 100, start);
        metrics.For("b").Record(LayerOperation.Train, 100, start);
        metrics.For("c").Record(LayerOperation.Train, 100, start);
        metrics.For("d").Record(LayerOperation.Infer, 40, start);
        metrics.For("a").Record(LayerOperation.Train, 100, start);

        var steps = collect("bn.train.steps");
        Assert.Equal(new Dictionary<string, double> { ["layer=a"] = 2, ["layer=b"] = 1, ["layer=_other"] = 1 }, steps);
        var bytes = collect("bn.batch.bytes");
        Assert.Equal(40, bytes["layer=_other,operation=infer"]);
        Assert.Equal(200, bytes["layer=a,operation=train"]);

        // A deleted layer frees its place.
        metrics.Forget("b");
        metrics.For("e").Record(LayerOperation.Backward, 8, start);
        Assert.Equal(1, collect("bn.backward.calls")["layer=e"]);
    }

    [Fact]
    public void ZeroSeriesCountsEverythingTogether()
    {
        var (metrics, collect) = Create(maxLayerSeries: 0);
        metrics.For("a").Record(LayerOperation.Train, 4, Stopwatch.GetTimestamp());
        metrics.For("b").Record(LayerOperation.Train, 4, Stopwatch.GetTimestamp());
        Assert.Equal(new Dictionary<string, double> { ["layer=_other"] = 2 }, collect("bn.train.steps"));
        Assert.True(collect("bn.engine.time")["layer=_other,operation=train"] >= 0);
    }
}
