namespace BnService.Layers.Grains;

/// <summary>What a layer grain stores: nothing until the layer is created; then its config, state and train receipts.</summary>
[GenerateSerializer, Alias("bn.LayerGrainState")]
public sealed class LayerGrainState
{
    [Id(0)] public LayerConfigRecord? Config { get; set; }
    [Id(1)] public LayerStateRecord? State { get; set; }
    /// <summary>The most recent train calls that carried a request_id, oldest first (at most <see cref="TrainReceipts.Capacity"/>).</summary>
    [Id(2)] public List<TrainReceipt> Receipts { get; set; } = [];
}

/// <summary>A train call with a request_id was applied and answered with this step.</summary>
[GenerateSerializer, Immutable, Alias("bn.TrainReceipt")]
public sealed record TrainReceipt([property: Id(0)] string RequestId, [property: Id(1)] long Step);
