using BnService.Layers;

namespace BnService.Cluster;

/// <summary>
/// One retry of a grain call that failed because a node went away: the silo holding the layer died
/// (<see cref="SiloUnavailableException"/>) or the call timed out while it did (<see cref="TimeoutException"/>).
/// By the time that error reaches the caller, membership has usually declared the node dead, and the retry
/// activates the layer on a surviving node from its last durable state. A second such failure becomes
/// <see cref="ServiceErrorKind.Unavailable"/> (503 / UNAVAILABLE); any other error goes to the client as before.
/// </summary>
internal static class GrainCallRetry
{
    public static async Task<T> OnceAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (IsClusterFault(e))
        {
            try
            {
                return await call();
            }
            catch (Exception again) when (IsClusterFault(again))
            {
                throw new ServiceException(ServiceErrorKind.Unavailable,
                    $"the cluster could not reach the layer after a node failure ({again.GetType().Name}: {again.Message}); retry, with the same request_id for a train call");
            }
        }
    }

    public static bool IsClusterFault(Exception e) => e is SiloUnavailableException or TimeoutException;
}
