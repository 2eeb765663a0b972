using Orleans.Storage;

namespace BnService.Layers.Grains;

/// <summary>
/// A layer grain's stored record, read and written straight through the layers' <see cref="IGrainStorage"/>
/// (<see cref="LayerStorage"/>). Orleans' <c>IPersistentState</c> queues every write behind a forced yield to the
/// scheduler, a second scheduler turn for each training step; a layer grain never overlaps its own storage calls (the
/// calls that change it run one at a time, and only those write), so that queue has nothing to order. As with
/// <c>IPersistentState</c>, a failed storage call is logged and surfaces as an <see cref="OrleansException"/>.
/// </summary>
internal sealed partial class LayerStore(IGrainStorage storage, GrainId grainId, ILogger logger)
{
    /// <summary>The state's name in storage (part of its key and file name), as the grain's persistent state had it.</summary>
    public const string StateName = "layer";

    private readonly GrainState<LayerGrainState> _record = new(new LayerGrainState());

    private enum Operation
    {
        Read,
        Write,
        Clear,
    }

    public LayerGrainState State
    {
        get => _record.State ??= new LayerGrainState();
        set => _record.State = value;
    }

    public Task ReadAsync() => Run(Operation.Read);

    public Task WriteAsync() => Run(Operation.Write);

    public Task ClearAsync() => Run(Operation.Clear);

    private Task Run(Operation operation)
    {
        Task pending;
        try
        {
            pending = operation switch
            {
                Operation.Read => storage.ReadStateAsync(StateName, grainId, _record),
                Operation.Write => storage.WriteStateAsync(StateName, grainId, _record),
                _ => storage.ClearStateAsync(StateName, grainId, _record),
            };
        }
        catch (Exception e)
        {
            return Task.FromException(Failed(operation, e));
        }

        return pending.IsCompletedSuccessfully ? Task.CompletedTask : AwaitAsync(operation, pending);
    }

    private async Task AwaitAsync(Operation operation, Task pending)
    {
        try
        {
            await pending;
        }
        catch (Exception e)
        {
            var failed = Failed(operation, e);
            if (ReferenceEquals(failed, e))
            {
                throw;
            }

            throw failed;
        }
    }

    private OrleansException Failed(Operation operation, Exception e)
    {
        LogFailed(logger, e, operation, grainId);
        return e as OrleansException ?? new OrleansException($"storage {operation} of {grainId} failed: {e.Message}", e);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Storage {Operation} of layer grain {GrainId} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, Operation operation, GrainId grainId);
}
