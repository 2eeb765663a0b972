using System.Text.Json.Serialization;
using BnEngine;
using BnService.Layers;
using BnService.Rest.Json;

namespace BnService.Rest.Contracts;

/// <summary>A layer: its full config, every default resolved, and its state (api.md "The layer representation").</summary>
public sealed class LayerBody
{
    public required string Name { get; init; }
    public required int Channels { get; init; }
    public required string DataFormat { get; init; }
    public required string Convention { get; init; }
    /// <summary>Null: the cumulative average.</summary>
    public required double? Decay { get; init; }
    public required bool UseNumUpdates { get; init; }
    public required bool Center { get; init; }
    public required bool Scale { get; init; }
    public required double Epsilon { get; init; }
    public required string Activation { get; init; }
    public required InitializersBody ParamInitializers { get; init; }
    public required RegularizersBody ParamRegularizers { get; init; }
    public required string Updates { get; init; }
    public required bool Trainable { get; init; }
    public required bool? Fused { get; init; }
    public required string MovingVarianceCorrection { get; init; }
    public required bool ZeroDebiasMovingMean { get; init; }
    public required bool Renorm { get; init; }
    public required RenormClippingBody? RenormClipping { get; init; }
    public required double RenormDecay { get; init; }
    public required IReadOnlyList<string> Collections { get; init; }
    public required long Step { get; init; }
    public required double[] Gamma { get; init; }
    public required double[] Beta { get; init; }
    public required double[] MovingMean { get; init; }
    public required double[] MovingVariance { get; init; }
    public required double[] RenormMean { get; init; }
    public required double[] RenormStddev { get; init; }
    public required int PendingUpdates { get; init; }
    public required long Version { get; init; }

    public static LayerBody From(LayerView layer)
    {
        var (config, state) = (layer.Config, layer.State);
        return new LayerBody
        {
            Name = config.Name,
            Channels = config.Channels,
            DataFormat = ApiNames.Name(config.DataFormat),
            Convention = ApiNames.Name(config.Convention),
            Decay = config.Decay,
            UseNumUpdates = config.UseNumUpdates,
            Center = config.Center,
            Scale = config.Scale,
            Epsilon = config.Epsilon,
            Activation = ApiNames.Name(config.Activation),
            ParamInitializers = new InitializersBody
            {
                Beta = config.ParamInitializers.Beta,
                Gamma = config.ParamInitializers.Gamma,
                MovingMean = config.ParamInitializers.MovingMean,
                MovingVariance = config.ParamInitializers.MovingVariance,
            },
            ParamRegularizers = new RegularizersBody
            {
                Beta = L1L2(config.ParamRegularizers.Beta),
                Gamma = L1L2(config.ParamRegularizers.Gamma),
            },
            Updates = ApiNames.Name(config.Updates),
            Trainable = config.Trainable,
            Fused = config.Fused,
            MovingVarianceCorrection = ApiNames.Name(config.MovingVarianceCorrection),
            ZeroDebiasMovingMean = config.ZeroDebiasMovingMean,
            Renorm = config.Renorm,
            RenormClipping = config.RenormClipping is { } c ? new RenormClippingBody { Rmax = c.RMax, Rmin = c.RMin, Dmax = c.DMax } : null,
            RenormDecay = config.RenormDecay,
            Collections = config.Collections,
            Step = state.Step,
            Gamma = state.Gamma,
            Beta = state.Beta,
            MovingMean = state.MovingMean,
            MovingVariance = state.MovingVariance,
            RenormMean = state.RenormMean,
            RenormStddev = state.RenormStddev,
            PendingUpdates = state.Pending.Count,
            Version = state.Version,
        };
    }

    private static L1L2Body? L1L2(L1L2? value) => value is null ? null : new L1L2Body { L1 = value.L1, L2 = value.L2 };
}

public sealed record LayerListBody(IReadOnlyList<LayerBody> Layers);

public sealed record TrainResponse(TensorData Output, double[] BatchMean, double[] BatchVariance, long Step, int PendingUpdates);

public sealed record InferResponse(TensorData Output);

public sealed record BackwardResponse(TensorData GradInput, double[] GradGamma, double[] GradBeta, double RegularizationLoss);
