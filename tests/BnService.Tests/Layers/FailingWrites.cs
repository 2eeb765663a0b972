using BnService.Layers.Grains;
using BnService.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;

namespace BnService.Tests.Layers;

/// <summary>The layers' storage, with its writes failing while <see cref="Failing"/> is set.</summary>
internal sealed class FailingWrites
{
    public volatile bool Failing;

    /// <summary>What a failing write or clear throws.</summary>
    public Func<Exception> Failure { get; set; } = static () => new IOException("the disk is full");

    /// <summary>While set, every write waits for it first.</summary>
    public volatile Task? Stall;

    /// <summary>Makes this the layers' storage of a one-node service (over its memory storage).</summary>
    public void Install(IServiceCollection services) => services.AddKeyedSingleton<IGrainStorage>(LayerStorage.Name,
        (sp, _) => new Storage(new NodeMemoryGrainStorage(sp.GetRequiredService<DeepCopier>()), this));

    private sealed class Storage(IGrainStorage inner, FailingWrites owner) : IGrainStorage
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

        public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            if (owner.Stall is { } stall)
            {
                await stall;
            }

            if (owner.Failing)
            {
                throw owner.Failure();
            }

            await inner.WriteStateAsync(stateName, grainId, grainState);
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            owner.Failing ? Task.FromException(owner.Failure()) : inner.ClearStateAsync(stateName, grainId, grainState);
    }
}
