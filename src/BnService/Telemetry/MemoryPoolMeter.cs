using System.Diagnostics.Metrics;
using System.Numerics;

namespace BnService.Telemetry;

/// <summary>
/// ASP.NET Core's memory-pool meter (<see cref="MeterName"/>, <c>aspnetcore.memory_pool.*</c>) made cheap to collect.
/// Kestrel rents a 4 KiB block for every 4 KiB a request or answer moves and records three measurements for it; the
/// metrics SDK's aggregation of each (a tag-set lookup, a metric point update) was about 3 % of the service's CPU for
/// a 16 MB REST call (perf, under the load tool; this costs about 0.4 %). Here each of the meter's counters is summed
/// into one 64-bit total per owner by a listener of its own, and published again on the same meter, under the same
/// name, unit and description, as an observable instrument that the SDK reads only when it collects
/// (<see cref="TelemetryExtensions"/> drops the SDK's own stream of the originals). The Prometheus series stay as they were.
/// </summary>
public sealed class MemoryPoolMeter : IDisposable
{
    public const string MeterName = "Microsoft.AspNetCore.MemoryPool";

    /// <summary>The one tag ASP.NET Core puts on these measurements (absent for a pool without an owner).</summary>
    private const string OwnerTag = "aspnetcore.memory_pool.owner";

    private readonly Meter _meter;
    private readonly MeterListener _listener = new();

    /// <param name="meters">The host's meter factory: the same one, so the same meter, as Kestrel's pools use.</param>
    public MemoryPoolMeter(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(MeterName);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter == _meter && IsSummedHere(instrument))
            {
                listener.EnableMeasurementEvents(instrument, Publish(instrument));
            }
        };
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((Totals)state!).Add(value, tags));
        _listener.Start();
    }

    /// <summary>True for the SDK's stream of one of the originals, which this meter publishes again as an observable.</summary>
    public static bool IsSummedHere(Instrument instrument) => instrument.Meter.Name == MeterName && instrument is Counter<long> or UpDownCounter<long>;

    public void Dispose() => _listener.Dispose();

    /// <summary>The observable twin of one of the pool's counters, and the totals it reads.</summary>
    private Totals Publish(Instrument instrument)
    {
        var totals = new Totals();
        if (instrument is UpDownCounter<long>)
        {
            _meter.CreateObservableUpDownCounter(instrument.Name, totals.Observe, instrument.Unit, instrument.Description);
        }
        else
        {
            _meter.CreateObservableCounter(instrument.Name, totals.Observe, instrument.Unit, instrument.Description);
        }

        return totals;
    }

    /// <summary>One counter's running totals, one per owner (a pool has one; a host has one or two pools).</summary>
    private sealed class Totals
    {
        private readonly Lock _adding = new();
        private Owner[] _owners = [];

        public void Add(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var name = tags.Length == 1 && tags[0].Key == OwnerTag ? tags[0].Value as string : null;
            For(name).Add(value);
        }

        public IEnumerable<Measurement<long>> Observe() =>
            Volatile.Read(ref _owners).Select(owner => owner.Name is null
                ? new Measurement<long>(owner.Total)
                : new Measurement<long>(owner.Total, new KeyValuePair<string, object?>(OwnerTag, owner.Name)));

        private Owner For(string? name)
        {
            foreach (var owner in Volatile.Read(ref _owners))
            {
                if (string.Equals(owner.Name, name, StringComparison.Ordinal))
                {
                    return owner;
                }
            }

            lock (_adding)
            {
                var owners = _owners;
                foreach (var owner in owners)
                {
                    if (string.Equals(owner.Name, name, StringComparison.Ordinal))
                    {
                        return owner;
                    }
                }

                var added = new Owner(name);
                Volatile.Write(ref _owners, [.. owners, added]);
                return added;
            }
        }
    }

    /// <summary>
    /// Starts the meter when the server builds its request pipeline, which is before it binds its endpoints and creates
    /// its pools, so the totals see their first blocks.
    /// </summary>
    public sealed class StartWithServer : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.ApplicationServices.GetRequiredService<MemoryPoolMeter>();
            next(app);
        };
    }

    /// <summary>
    /// One owner's total, kept in one slot per processor, each on a cache line of its own: the thread that receives a
    /// request and the one that writes an answer rent blocks at the same time on both cores, and with a single shared
    /// total their measurements took turns at one cache line. perf on a 1 MiB REST train call under the load tool: the
    /// meter's share went from 16.8 to 8.9 µs per call.
    /// </summary>
    private sealed class Owner(string? name)
    {
        /// <summary>Longs from one slot to the next: 128 bytes, so no two slots share a cache line or an adjacent-line prefetch.</summary>
        private const int Stride = 16;

        private readonly long[] _slots = new long[Slots * Stride];

        private static int Slots { get; } = (int)BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount);

        public readonly string? Name = name;

        /// <summary>The sum of the slots: exact once the measurements being added have landed.</summary>
        public long Total
        {
            get
            {
                long total = 0;
                for (var slot = 0; slot < _slots.Length; slot += Stride)
                {
                    total += Volatile.Read(ref _slots[slot]);
                }

                return total;
            }
        }

        /// <summary>Adds to the current processor's slot (atomically: a thread may move to another processor meanwhile).</summary>
        public void Add(long value) => Interlocked.Add(ref _slots[(Thread.GetCurrentProcessorId() & (Slots - 1)) * Stride], value);
    }
}
