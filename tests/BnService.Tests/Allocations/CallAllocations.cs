namespace BnService.Tests.Allocations;

/// <summary>
/// Bytes allocated per call on the calling thread, over a run of calls after a few to warm up (the pool filled, the code
/// compiled). The calls must run on this thread from start to end (nothing awaited that does not complete at once).
/// </summary>
internal static class CallAllocations
{
    public const int WarmUpCalls = 4;
    public const int MeasuredCalls = 16;

    public static long PerCall(Action call)
    {
        for (var i = 0; i < WarmUpCalls; i++)
        {
            call();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < MeasuredCalls; i++)
        {
            call();
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / MeasuredCalls;
    }
}
