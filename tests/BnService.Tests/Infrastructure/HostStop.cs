namespace BnService.Tests.Infrastructure;

/// <summary>
/// A bound on stopping an in-memory host. The host's own budget (<c>Shutdown:Timeout</c>, 30 s by default) only bounds the
/// parts of a stop that honour its cancellation (WebApplicationFactory's StopAsync takes no timeout, and the host awaits
/// every hosted service, Orleans' silo lifecycle every participant, however long they take); a stop still running after
/// <see cref="Limit"/> fails the test or fixture that disposes the host, by name, instead of holding the test run.
/// </summary>
public static class HostStop
{
    public static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    public static async ValueTask WithinLimitAsync(ValueTask stopping, string host)
    {
        try
        {
            await stopping.AsTask().WaitAsync(Limit);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{host} did not stop within {Limit.TotalSeconds:0} s", e);
        }
    }
}
