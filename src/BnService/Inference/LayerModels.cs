using BnService.Hosting;
using BnService.Layers;

namespace BnService.Inference;

/// <summary>A layer described as a model.</summary>
public sealed record ModelMetadata(string Name, IReadOnlyList<string> Versions, string Platform, TensorMetadata Input, TensorMetadata Output);

/// <summary>One inference-protocol call on a layer: inference by default, a training step when <see cref="Training"/>.</summary>
public sealed record InferenceCall(string Model, string? Version, TensorData Input, bool Training, string? RequestId);

/// <summary>The output; for a training step also the layer's step and pending updates after it.</summary>
public sealed record InferenceAnswer(TensorData Output, long? Step, int? PendingUpdates);

/// <summary>
/// Layers as Open Inference Protocol models, for REST and gRPC alike: every call goes through
/// <see cref="ILayerOperations"/>, so names, shapes, values and errors follow the same rules as /v1.
/// </summary>
public sealed class LayerModels(ILayerOperations layers, IReadiness readiness)
{
    /// <summary>The silo is active: layer calls can be served.</summary>
    public bool ServerReady => readiness.IsReady;

    public async Task<ModelMetadata> MetadataAsync(string model, string? version, CancellationToken cancellationToken)
    {
        CheckVersion(model, version);
        var layer = await layers.GetAsync(model, cancellationToken);
        var (input, output) = LayerSignature.Metadata(layer.Config);
        return new ModelMetadata(layer.Config.Name, [InferenceProtocol.ModelVersion], InferenceProtocol.Platform, input, output);
    }

    /// <summary>Whether the layer can serve calls; an unknown layer is NotFound.</summary>
    public async Task<bool> ReadyAsync(string model, string? version, CancellationToken cancellationToken)
    {
        CheckVersion(model, version);
        await layers.GetAsync(model, cancellationToken);
        return readiness.IsReady;
    }

    public async Task<InferenceAnswer> RunAsync(InferenceCall call, CancellationToken cancellationToken)
    {
        CheckVersion(call.Model, call.Version);
        if (call.Training)
        {
            var outcome = await layers.TrainAsync(call.Model, new TrainInput(call.Input, null, call.RequestId), cancellationToken);
            return new InferenceAnswer(outcome.Output, outcome.Step, outcome.PendingUpdates);
        }

        return new InferenceAnswer(await layers.InferAsync(call.Model, call.Input, cancellationToken), null, null);
    }

    /// <summary>
    /// Reads <c>training</c> and <c>request_id</c> from a request's parameters; a request_id without training is
    /// refused (inference is never counted, so there is nothing to deduplicate).
    /// </summary>
    public static (bool Training, string? RequestId) ReadMode(InferenceParameters parameters)
    {
        var training = parameters.Bool(InferenceProtocol.Training) ?? false;
        var requestId = parameters.String(InferenceProtocol.RequestId);
        if (requestId is not null && !training)
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument,
                $"'{InferenceProtocol.RequestId}' applies to training calls only (with \"{InferenceProtocol.Training}\": true)",
                parameters.FieldOf(InferenceProtocol.RequestId));
        }

        return (training, requestId);
    }

    private static void CheckVersion(string model, string? version)
    {
        if (!string.IsNullOrEmpty(version) && version != InferenceProtocol.ModelVersion)
        {
            throw new ServiceException(ServiceErrorKind.NotFound,
                $"layer '{model}' has one version, '{InferenceProtocol.ModelVersion}'; there is no version '{version}'");
        }
    }
}
