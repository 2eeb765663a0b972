using System.Diagnostics.Metrics;
using BnService.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace BnService.Tests.Telemetry;

/// <summary>
/// MemoryPoolMeter on its own, with counters shaped as ASP.NET Core's memory pool creates them: every measurement
/// summed per owner and read back through the observable twin of its counter, on the same meter.
/// </summary>
public class MemoryPoolMeterTests
{
    private const string Owner = "aspnetcore.memory_pool.owner";

    private static readonly KeyValuePair<string, object?> Kestrel = new(Owner, "kestrel");

    /// <summary>What the observable instruments of the factory's memory-pool meter report now: "name/owner" to value.</summary>
    private static Dictionary<string, long> Observe(IMeterFactory factory)
    {
        var values = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.IsObservable && instrument.Meter.Name == MemoryPoolMeter.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var owner = tags.Length == 0 ? "-" : $"{tags[0].Key}={tags[0].Value}";
            values.Add($"{instrument.Name}/{owner}", value);
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }

    [Fact]
    public void EveryMeasurementIsSummedPerOwnerUnderTheSameNameUnitAndDescription()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        // One counter created before the meter listens (as when the server's pool exists first), one after.
        var pool = factory.Create(MemoryPoolMeter.MeterName);
        var rented = pool.CreateCounter<long>("aspnetcore.memory_pool.rented", "By", "rented bytes");
        using var meter = new MemoryPoolMeter(factory);
        var pooled = pool.CreateUpDownCounter<long>("aspnetcore.memory_pool.pooled", "By", "pooled bytes");

        rented.Add(4096, Kestrel);
        rented.Add(4096, Kestrel);
        rented.Add(100);
        pooled.Add(8192, Kestrel);
        pooled.Add(-4096, Kestrel);

        var observed = Observe(factory);

        Assert.Equal(
            new Dictionary<string, long>
            {
                ["aspnetcore.memory_pool.rented/aspnetcore.memory_pool.owner=kestrel"] = 8192,
                ["aspnetcore.memory_pool.rented/-"] = 100,
                ["aspnetcore.memory_pool.pooled/aspnetcore.memory_pool.owner=kestrel"] = 4096,
            },
            observed);
        var twins = new List<Instrument>();
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, _) =>
            {
                if (instrument.IsObservable && ReferenceEquals(instrument.Meter, pool))
                {
                    twins.Add(instrument);
                }
            };
            listener.Start();
        }

        Assert.Collection(
            twins.OrderBy(i => i.Name, StringComparer.Ordinal),
            i => Assert.Equal(("aspnetcore.memory_pool.pooled", "By", "pooled bytes", true), (i.Name, i.Unit, i.Description, i is ObservableUpDownCounter<long>)),
            i => Assert.Equal(("aspnetcore.memory_pool.rented", "By", "rented bytes", true), (i.Name, i.Unit, i.Description, i is ObservableCounter<long>)));
    }

    [Fact]
    public void ConcurrentMeasurementsAreNotLost()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var meter = new MemoryPoolMeter(factory);
        var rented = factory.Create(MemoryPoolMeter.MeterName).CreateCounter<long>("aspnetcore.memory_pool.rented", "By");

        Parallel.For(0, 4, worker =>
        {
            var tag = new KeyValuePair<string, object?>(Owner, worker % 2 == 0 ? "kestrel" : "other");
            for (var i = 0; i < 100_000; i++)
            {
                rented.Add(1, tag);
            }
        });

        var observed = Observe(factory);
        Assert.Equal(200_000, observed["aspnetcore.memory_pool.rented/aspnetcore.memory_pool.owner=kestrel"]);
        Assert.Equal(200_000, observed["aspnetcore.memory_pool.rented/aspnetcore.memory_pool.owner=other"]);
    }

    [Fact]
    public void AnotherHostsPoolIsNotCounted()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var otherServices = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var meter = new MemoryPoolMeter(factory);
        var mine = factory.Create(MemoryPoolMeter.MeterName).CreateCounter<long>("aspnetcore.memory_pool.rented", "By");
        var theirs = otherServices.GetRequiredService<IMeterFactory>().Create(MemoryPoolMeter.MeterName).CreateCounter<long>("aspnetcore.memory_pool.rented", "By");

        mine.Add(1, Kestrel);
        theirs.Add(1000, Kestrel);

        Assert.Equal(1, Observe(factory)["aspnetcore.memory_pool.rented/aspnetcore.memory_pool.owner=kestrel"]);
    }

    [Fact]
    public void TheMetricsSdkDropsOnlyTheOriginalCounters()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var pool = services.GetRequiredService<IMeterFactory>().Create(MemoryPoolMeter.MeterName);

        Assert.True(MemoryPoolMeter.IsSummedHere(pool.CreateCounter<long>("aspnetcore.memory_pool.rented")));
        Assert.True(MemoryPoolMeter.IsSummedHere(pool.CreateUpDownCounter<long>("aspnetcore.memory_pool.pooled")));
        Assert.False(MemoryPoolMeter.IsSummedHere(pool.CreateObservableCounter("aspnetcore.memory_pool.rented", () => 0L)));
        Assert.False(MemoryPoolMeter.IsSummedHere(pool.CreateHistogram<double>("aspnetcore.memory_pool.other")));
        using var other = new Meter("Microsoft.AspNetCore.Server.Kestrel");
        Assert.False(MemoryPoolMeter.IsSummedHere(other.CreateCounter<long>("kestrel.connections")));
    }
}
