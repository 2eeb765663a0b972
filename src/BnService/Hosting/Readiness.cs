using Orleans.Runtime;

namespace BnService.Hosting;

/// <summary>Whether this process can serve layer calls (the silo is active); /readyz and gRPC health report it.</summary>
public interface IReadiness
{
    bool IsReady { get; }
}

/// <summary>Ready from the silo's Active stage until it starts stopping.</summary>
internal sealed class SiloReadiness : IReadiness, ILifecycleParticipant<ISiloLifecycle>
{
    private volatile bool _ready;

    public bool IsReady => _ready;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe<SiloReadiness>(ServiceLifecycleStage.Active,
            _ =>
            {
                _ready = true;
                return Task.CompletedTask;
            },
            _ =>
            {
                _ready = false;
                return Task.CompletedTask;
            });
}
