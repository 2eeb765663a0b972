using System.Text.Json.Serialization;
using BnEngine;
using BnService.Layers;
using BnService.Rest.Json;

namespace BnService.Rest.Contracts;

/// <summary><c>POST /v1/layers</c>: a layer configuration (api.md names) and how to treat an existing name.</summary>
public sealed class CreateLayerRequest
{
    public required string Name { get; init; }
    public required int Channels { get; init; }
    /// <summary><c>NHWC</c> (default) or <c>NCHW</c>.</summary>
    public string? DataFormat { get; init; }
    /// <summary><c>tensorflow</c> (default), <c>keras</c> or <c>pytorch</c>.</summary>
    public string? Convention { get; init; }
    /// <summary>A number in [0, 1]; <c>null</c>: the cumulative average; absent: the convention's default.</summary>
    [JsonConverter(typeof(DecayConverter))]
    public Decay? Decay { get; init; }
    public bool? UseNumUpdates { get; init; }
    public bool? Center { get; init; }
    public bool? Scale { get; init; }
    public double? Epsilon { get; init; }
    /// <summary><c>none</c>, <c>relu</c>, <c>relu6</c>, <c>elu</c>, <c>selu</c>, <c>sigmoid</c>, <c>tanh</c>, <c>softplus</c>, <c>leaky_relu</c>.</summary>
    public string? Activation { get; init; }
    public InitializersBody? ParamInitializers { get; init; }
    public RegularizersBody? ParamRegularizers { get; init; }
    /// <summary><c>in_place</c> (default) or <c>deferred</c>.</summary>
    public string? Updates { get; init; }
    public bool? Trainable { get; init; }
    public bool? Fused { get; init; }
    /// <summary><c>auto</c> (default), <c>biased</c> or <c>unbiased</c>.</summary>
    public string? MovingVarianceCorrection { get; init; }
    public bool? ZeroDebiasMovingMean { get; init; }
    public bool? Renorm { get; init; }
    public RenormClippingBody? RenormClipping { get; init; }
    public double? RenormDecay { get; init; }
    public string[]? Collections { get; init; }
    /// <summary><c>never</c> (default): 409 if the name exists; <c>reuse</c>: 404 if it does not; <c>auto</c>: get or create.</summary>
    public string? Reuse { get; init; }

    public ReuseMode ToReuseMode() => Reuse is null ? ReuseMode.Never : ApiNames.ParseReuseMode(Reuse);

    public LayerSpec ToSpec() => new()
    {
        Name = Name,
        Channels = Channels,
        DataFormat = DataFormat is null ? null : ApiNames.ParseDataFormat(DataFormat),
        Convention = Convention is null ? null : ApiNames.ParseConvention(Convention),
        Decay = Decay,
        UseNumUpdates = UseNumUpdates,
        Center = Center,
        Scale = Scale,
        Epsilon = Epsilon,
        Activation = Activation is null ? null : ApiNames.ParseActivation(Activation),
        ParamInitializers = ParamInitializers is { } i ? new ParamInitializers(i.Beta, i.Gamma, i.MovingMean, i.MovingVariance) : null,
        ParamRegularizers = ParamRegularizers is { } r ? new ParamRegularizers(r.Beta?.ToL1L2(), r.Gamma?.ToL1L2()) : null,
        Updates = Updates is null ? null : ApiNames.ParseUpdateMode(Updates),
        Trainable = Trainable,
        Fused = Fused,
        MovingVarianceCorrection = MovingVarianceCorrection is null ? null : ApiNames.ParseVarianceCorrection(MovingVarianceCorrection),
        ZeroDebiasMovingMean = ZeroDebiasMovingMean,
        Renorm = Renorm,
        RenormClipping = RenormClipping is { } c ? new RenormClipping(c.Rmax, c.Rmin, c.Dmax) : null,
        RenormDecay = RenormDecay,
        Collections = Collections,
    };
}

/// <summary><c>param_initializers</c>: each a number or an array of one number per channel.</summary>
public sealed class InitializersBody
{
    public ChannelValues? Beta { get; init; }
    public ChannelValues? Gamma { get; init; }
    public ChannelValues? MovingMean { get; init; }
    public ChannelValues? MovingVariance { get; init; }
}

/// <summary><c>param_regularizers</c>: Keras' L1L2 on beta and gamma.</summary>
public sealed class RegularizersBody
{
    public L1L2Body? Beta { get; init; }
    public L1L2Body? Gamma { get; init; }
}

public sealed class L1L2Body
{
    public double L1 { get; init; }
    public double L2 { get; init; }

    public L1L2 ToL1L2() => new(L1, L2);
}

/// <summary><c>renorm_clipping</c>: each bound a number or null (no clipping on that side).</summary>
public sealed class RenormClippingBody
{
    public double? Rmax { get; init; }
    public double? Rmin { get; init; }
    public double? Dmax { get; init; }
}

/// <summary><c>POST /v1/layers/{name}/train</c> as JSON.</summary>
public sealed class TrainRequest
{
    public required JsonTensor Input { get; init; }
    /// <summary>One non-negative weight per batch row (TF <c>batch_weights</c>).</summary>
    public float[]? BatchWeights { get; init; }
    /// <summary>A retry with the same id answers as the first call and is not applied again. 1 to 256 characters, no control characters.</summary>
    public string? RequestId { get; init; }
}

/// <summary><c>POST /v1/layers/{name}/infer</c> as JSON.</summary>
public sealed class InferRequest
{
    public required JsonTensor Input { get; init; }
}

/// <summary><c>POST /v1/layers/{name}/backward</c>.</summary>
public sealed class BackwardRequest
{
    public required JsonTensor Input { get; init; }
    public required JsonTensor GradOutput { get; init; }
    /// <summary>Default true: gradients through the batch statistics; false: through the moving ones.</summary>
    public bool? IsTraining { get; init; }
    /// <summary>With a learning rate (and a trainable layer), gamma and beta take one SGD step.</summary>
    public ApplyBody? Apply { get; init; }
}

public sealed class ApplyBody
{
    public required double LearningRate { get; init; }
}
