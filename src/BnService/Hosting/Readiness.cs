using Orleans.Runtime;

namespace BnService.Hosting;

/// <summary>Whether this process can serve layer calls (the silo is active); /readyz and gRPC health report it.</summary>
public interface IReadiness
{
    bool IsReady { get; }

    /// <summary>What /readyz says: <c>ready</c>, or why not.</summary>
    string State => IsReady ? "ready" : "starting";
}

/// <summary>
/// Ready from the silo's Active stage until shutdown begins: <see cref="ShutdownDrain"/> turns it false first, while
/// the server still serves, so load balancers stop sending calls before the server stops accepting them.
/// </summary>
internal sealed class SiloReadiness(ShutdownDrain drain) : IReadiness, ILifecycleParticipant<ISiloLifecycle>
{
    private volatile bool _active;

    public bool IsReady => _active && !drain.IsDraining;

    public string State => IsReady ? "ready" : drain.IsDraining ? "stopping" : "starting";

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe<SiloReadiness>(ServiceLifecycleStage.Active,
            _ =>
            {
                _active = true;
                return Task.CompletedTask;
            },
            _ =>
            {
                _active = false;
                return Task.CompletedTask;
            });
}
