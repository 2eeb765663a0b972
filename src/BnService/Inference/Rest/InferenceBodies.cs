namespace BnService.Inference.Rest;

/// <summary><c>GET /v2</c>: <c>$metadata_server_response</c>.</summary>
public sealed record ServerMetadataBody(string Name, string Version, IReadOnlyList<string> Extensions);

/// <summary><c>GET /v2/health/live</c>.</summary>
public sealed record ServerLiveBody(bool Live);

/// <summary><c>GET /v2/health/ready</c>.</summary>
public sealed record ServerReadyBody(bool Ready);

/// <summary><c>GET /v2/models/{name}/ready</c>: <c>$ready_model_response</c>.</summary>
public sealed record ModelReadyBody(string Name, bool Ready);

/// <summary><c>GET /v2/models/{name}</c>: <c>$metadata_model_response</c>.</summary>
public sealed record ModelMetadataBody(string Name, IReadOnlyList<string> Versions, string Platform,
    IReadOnlyList<TensorMetadata> Inputs, IReadOnlyList<TensorMetadata> Outputs)
{
    public static ModelMetadataBody From(ModelMetadata model) => new(model.Name, model.Versions, model.Platform, [model.Input], [model.Output]);
}

/// <summary>For the OpenAPI document only: <c>$inference_request</c> as a layer reads it.</summary>
public sealed record InferRequestDoc(string? Id, IReadOnlyDictionary<string, object>? Parameters, IReadOnlyList<InferInputDoc> Inputs,
    IReadOnlyList<InferOutputDoc>? Outputs);

/// <summary>For the OpenAPI document only: the input <c>input</c>, FP32, data flat or nested row-major.</summary>
public sealed record InferInputDoc(string Name, string Datatype, long[] Shape, IReadOnlyDictionary<string, object>? Parameters, float[]? Data);

/// <summary>For the OpenAPI document only: a requested output (<c>output</c>) and its parameters (<c>binary_data</c>).</summary>
public sealed record InferOutputDoc(string Name, IReadOnlyDictionary<string, object>? Parameters);

/// <summary>For the OpenAPI document only: <c>$inference_response</c>.</summary>
public sealed record InferResponseDoc(string ModelName, string ModelVersion, string? Id, IReadOnlyDictionary<string, long>? Parameters,
    IReadOnlyList<InferOutputTensorDoc> Outputs);

/// <summary>For the OpenAPI document only: the output <c>output</c>.</summary>
public sealed record InferOutputTensorDoc(string Name, string Datatype, long[] Shape, IReadOnlyDictionary<string, long>? Parameters, float[]? Data);
