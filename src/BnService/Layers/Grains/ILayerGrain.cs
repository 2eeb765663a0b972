using Orleans.Concurrency;

namespace BnService.Layers.Grains;

/// <summary>
/// One layer, keyed by its name. Calls that change the layer run one at a time (on its <see cref="LayerHost"/>);
/// reads ([ReadOnly]) interleave with each other, and each sees a state between two changes (an infer during a change
/// answers from the state before it).
/// </summary>
[Alias("bn.ILayerGrain")]
public interface ILayerGrain : IGrainWithStringKey
{
    [Alias("Create")]
    Task<GrainReply<CreatedLayer>> Create(LayerConfigRecord config, ReuseMode reuse);

    [Alias("Get"), ReadOnly]
    Task<GrainReply<LayerSnapshot>> Get();

    [Alias("Delete")]
    Task<GrainReply<bool>> Delete();

    [Alias("Train")]
    Task<GrainReply<TrainReply>> Train(TrainCall call);

    [Alias("Infer"), ReadOnly]
    Task<GrainReply<GrainTensor>> Infer(GrainTensor input);

    /// <summary>Backward without apply: a read.</summary>
    [Alias("Gradients"), ReadOnly]
    Task<GrainReply<BackwardReply>> Gradients(BackwardCall call);

    /// <summary>Backward with apply: gamma and beta may take an SGD step.</summary>
    [Alias("BackwardApply")]
    Task<GrainReply<BackwardReply>> BackwardApply(BackwardCall call);

    [Alias("Commit")]
    Task<GrainReply<LayerSnapshot>> Commit();

    [Alias("Reset")]
    Task<GrainReply<LayerSnapshot>> Reset();

    /// <summary>
    /// Replaces the state if the layer still has <paramref name="config"/> and <paramref name="expectedVersion"/>
    /// (otherwise ConfigMismatch, nothing changed); the version becomes <paramref name="expectedVersion"/> + 1.
    /// </summary>
    [Alias("ReplaceState")]
    Task<GrainReply<LayerSnapshot>> ReplaceState(LayerConfigRecord config, long expectedVersion, LayerStateRecord state);
}
