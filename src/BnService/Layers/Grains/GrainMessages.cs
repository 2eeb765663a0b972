namespace BnService.Layers.Grains;

// What crosses a layer grain call. Batches travel as [Immutable] bytes so that a call inside one silo passes
// them by reference instead of deep-copying them (see docs/service.md, "Layers on grains").

/// <summary>A float32 tensor as little-endian bytes with its (already validated) shape.</summary>
[GenerateSerializer, Immutable, Alias("bn.GrainTensor")]
public sealed record GrainTensor([property: Id(0)] int[] Shape, [property: Id(1)] byte[] Bytes);

/// <summary>An error a client caused, carried back as a value so that it crosses silos like any result.</summary>
[GenerateSerializer, Immutable, Alias("bn.GrainFault")]
public sealed record GrainFault([property: Id(0)] ServiceErrorKind Kind, [property: Id(1)] string Message, [property: Id(2)] string? Field);

/// <summary>A grain call's answer: a value, or the fault that left the layer unchanged.</summary>
[GenerateSerializer, Immutable, Alias("bn.GrainReply`1")]
public sealed record GrainReply<T>([property: Id(0)] T? Value, [property: Id(1)] GrainFault? Fault)
{
    public static GrainReply<T> Ok(T value) => new(value, null);
    public static GrainReply<T> Fail(ServiceErrorKind kind, string message, string? field = null) => new(default, new GrainFault(kind, message, field));
}

/// <summary>A layer as the grain reports it.</summary>
[GenerateSerializer, Immutable, Alias("bn.LayerSnapshot")]
public sealed record LayerSnapshot([property: Id(0)] LayerConfigRecord Config, [property: Id(1)] LayerStateRecord State);

[GenerateSerializer, Immutable, Alias("bn.CreatedLayer")]
public sealed record CreatedLayer([property: Id(0)] LayerSnapshot Layer, [property: Id(1)] bool Created);

[GenerateSerializer, Immutable, Alias("bn.TrainCall")]
public sealed record TrainCall([property: Id(0)] GrainTensor Input, [property: Id(1)] float[]? BatchWeights, [property: Id(2)] string? RequestId);

[GenerateSerializer, Immutable, Alias("bn.TrainReply")]
public sealed record TrainReply(
    [property: Id(0)] GrainTensor Output,
    [property: Id(1)] double[] BatchMean,
    [property: Id(2)] double[] BatchVariance,
    [property: Id(3)] long Step,
    [property: Id(4)] int PendingUpdates);

[GenerateSerializer, Immutable, Alias("bn.BackwardCall")]
public sealed record BackwardCall(
    [property: Id(0)] GrainTensor Input,
    [property: Id(1)] GrainTensor GradOutput,
    [property: Id(2)] bool IsTraining,
    [property: Id(3)] double? LearningRate);

[GenerateSerializer, Immutable, Alias("bn.BackwardReply")]
public sealed record BackwardReply(
    [property: Id(0)] GrainTensor GradInput,
    [property: Id(1)] double[] GradGamma,
    [property: Id(2)] double[] GradBeta,
    [property: Id(3)] double RegularizationLoss);
