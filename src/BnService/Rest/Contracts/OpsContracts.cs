using BnService.Layers;
using BnService.Rest.Json;

namespace BnService.Rest.Contracts;

/// <summary><c>POST /v1/ops/moments</c>: <c>tf.nn.moments</c>, or <c>tf.nn.weighted_moments</c> with frequency_weights.</summary>
public sealed class MomentsRequest
{
    public required JsonTensor Input { get; init; }
    public required int[] Axes { get; init; }
    public bool KeepDims { get; init; }
    public JsonTensor? FrequencyWeights { get; init; }
}

public sealed record MomentsResponse(TensorData Mean, TensorData Variance);

/// <summary><c>POST /v1/ops/batch_normalization</c>: <c>tf.nn.batch_normalization</c>.</summary>
public sealed class BatchNormalizationRequest
{
    public required JsonTensor X { get; init; }
    public required JsonTensor Mean { get; init; }
    public required JsonTensor Variance { get; init; }
    public JsonTensor? Offset { get; init; }
    public JsonTensor? Scale { get; init; }
    public required double VarianceEpsilon { get; init; }
}

public sealed record BatchNormalizationResponse(TensorData Output);
