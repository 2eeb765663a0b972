using BnService.Layers;
using Proto = Bn.V1;

namespace BnService.Grpc;

/// <summary>api.md's layer representation as a <c>bn.v1.Layer</c>.</summary>
public static class LayerWire
{
    public static Proto.Layer ToProto(LayerView layer)
    {
        var state = layer.State;
        return new Proto.Layer
        {
            Config = LayerConfigWire.ToProto(layer.Config),
            Step = state.Step,
            Gamma = { state.Gamma },
            Beta = { state.Beta },
            MovingMean = { state.MovingMean },
            MovingVariance = { state.MovingVariance },
            RenormMean = { state.RenormMean },
            RenormStddev = { state.RenormStddev },
            PendingUpdates = state.Pending.Count,
            Version = state.Version,
        };
    }
}
