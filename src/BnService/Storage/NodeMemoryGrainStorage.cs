using System.Collections.Concurrent;
using System.Globalization;
using Orleans.Serialization;
using Orleans.Storage;

namespace BnService.Storage;

/// <summary>
/// Grain storage in this process's memory, for <c>Storage:Kind=memory</c> on one node (localhost clustering).
/// It keeps what Orleans' memory storage keeps (each state as a copy that later changes to the grain's state do not
/// reach, an ETag checked on every write and clear, lost with the process) without the call to a storage grain that
/// Orleans' memory storage makes for every read and write: on one node that grain lives in this same process, so
/// nothing more survives with it, and a training step saves a scheduler hop and a copy of the state's bytes. The copy
/// is Orleans' deep copy, not a serialized one: what is <c>[Immutable]</c> (a layer's captured state, its config) is
/// shared, the rest copied, so a small layer's training step does not encode its whole state on every write.
/// A cluster keeps Orleans' memory storage, whose storage grains the nodes share.
/// </summary>
internal sealed class NodeMemoryGrainStorage(DeepCopier copier) : IGrainStorage
{
    private readonly ConcurrentDictionary<string, Record> _records = new(StringComparer.Ordinal);
    private long _lastETag;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (_records.TryGetValue(StateFileNames.Key(stateName, grainId), out var record))
        {
            grainState.State = copier.Copy((T)record.State);
            grainState.ETag = record.ETag;
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = StateFileNames.Key(stateName, grainId);
        var next = new Record(NextETag(), copier.Copy(grainState.State)!);
        if (!Replace(key, grainState.ETag, next))
        {
            return Task.FromException(Inconsistent(key, grainState.ETag));
        }

        grainState.ETag = next.ETag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = StateFileNames.Key(stateName, grainId);
        if (!Replace(key, grainState.ETag, next: null))
        {
            return Task.FromException(Inconsistent(key, grainState.ETag));
        }

        grainState.State = Activator.CreateInstance<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    /// <summary>Puts <paramref name="next"/> (or removes the record when null) if the stored ETag is <paramref name="expected"/>.</summary>
    private bool Replace(string key, string? expected, Record? next)
    {
        if (expected is null)
        {
            return next is null ? !_records.ContainsKey(key) : _records.TryAdd(key, next);
        }

        if (!_records.TryGetValue(key, out var stored) || !string.Equals(stored.ETag, expected, StringComparison.Ordinal))
        {
            return false;
        }

        return next is null
            ? _records.TryRemove(new KeyValuePair<string, Record>(key, stored))
            : _records.TryUpdate(key, next, stored);
    }

    private string NextETag() => Interlocked.Increment(ref _lastETag).ToString(CultureInfo.InvariantCulture);

    private InconsistentStateException Inconsistent(string key, string? expected) =>
        new($"the stored state of '{key}' changed since it was read",
            _records.TryGetValue(key, out var stored) ? stored.ETag : "(none)", expected ?? "(none)");

    private sealed record Record(string ETag, object State);
}
