using System.Globalization;
using Orleans.Serialization;
using Orleans.Storage;

namespace BnService.Storage;

/// <summary>
/// Grain storage in files: one file per grain state directly under <c>Storage:Path</c>
/// (<see cref="StateFileNames"/>, <see cref="StateFileFormat"/>). A write goes to a temporary file in the same
/// folder, is flushed to disk (fsync), renamed over the old file, and the folder is flushed too: when
/// <see cref="WriteStateAsync{T}"/> returns, the state survives a crash of the process or the machine, and a
/// crash during a write leaves the previous state. The ETag is a counter kept in the file; a write whose ETag
/// is not the stored one fails with <see cref="InconsistentStateException"/>. Calls for one grain come one at
/// a time (a layer's host writes behind its gate, the directory grain in its turns), and one folder serves one node.
/// </summary>
internal sealed class FileGrainStorage : IGrainStorage
{
    private const string TempSuffix = ".tmp";

    private readonly string _folder;
    private readonly Serializer _serializer;

    public FileGrainStorage(string folder, Serializer serializer)
    {
        _folder = Path.GetFullPath(folder);
        _serializer = serializer;
        Directory.CreateDirectory(_folder);
        // Leftovers of writes a crash interrupted: the renamed-over files are the state.
        foreach (var temp in Directory.EnumerateFiles(_folder, "*" + StateFileNames.Extension + TempSuffix + "*"))
        {
            File.Delete(temp);
        }
    }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = StateFileNames.Key(stateName, grainId);
        var record = await ReadAsync(key);
        if (record is null)
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }

        grainState.State = _serializer.Deserialize<T>(record.Payload);
        grainState.ETag = Tag(record.ETag);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = StateFileNames.Key(stateName, grainId);
        var stored = await CheckETagAsync(key, grainState.ETag);
        var etag = stored + 1;
        var bytes = StateFileFormat.Encode(etag, key, _serializer.SerializeToArray(grainState.State));
        var path = StateFileNames.PathIn(_folder, key);
        var temp = path + TempSuffix + "-" + Guid.NewGuid().ToString("N");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                await file.WriteAsync(bytes);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
            DirectorySync.Flush(_folder);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        grainState.ETag = Tag(etag);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = StateFileNames.Key(stateName, grainId);
        await CheckETagAsync(key, grainState.ETag);
        var path = StateFileNames.PathIn(_folder, key);
        if (File.Exists(path))
        {
            File.Delete(path);
            DirectorySync.Flush(_folder);
        }

        grainState.State = Activator.CreateInstance<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    /// <summary>The stored ETag counter (0 when there is no file), after checking it equals <paramref name="expected"/>.</summary>
    private async Task<long> CheckETagAsync(string key, string? expected)
    {
        var path = StateFileNames.PathIn(_folder, key);
        long? counter;
        try
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.Asynchronous);
            var header = new byte[StateFileFormat.HeaderLength];
            await file.ReadExactlyAsync(header);
            counter = StateFileFormat.DecodeETag(header, path);
        }
        catch (FileNotFoundException)
        {
            counter = null;
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"'{path}' is truncated");
        }

        var stored = counter is { } value ? Tag(value) : null;
        if (!string.Equals(stored, expected, StringComparison.Ordinal))
        {
            throw new InconsistentStateException($"the stored state of '{key}' changed since it was read", stored ?? "(none)", expected ?? "(none)");
        }

        return counter ?? 0;
    }

    private async Task<StateFileFormat.Record?> ReadAsync(string key)
    {
        var path = StateFileNames.PathIn(_folder, key);
        byte[] data;
        try
        {
            data = await File.ReadAllBytesAsync(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        var record = StateFileFormat.Decode(data, path);
        return string.Equals(record.Key, key, StringComparison.Ordinal)
            ? record
            : throw new InvalidDataException($"'{path}' holds the state of '{record.Key}', not of '{key}'");
    }

    private static string Tag(long etag) => etag.ToString(CultureInfo.InvariantCulture);
}
