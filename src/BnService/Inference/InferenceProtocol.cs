namespace BnService.Inference;

/// <summary>
/// The names the Open Inference Protocol (KServe V2 / Triton) uses for a layer served as a model: one FP32
/// input <c>input</c>, one FP32 output <c>output</c>, one version, and the parameters this service reads and answers.
/// </summary>
public static class InferenceProtocol
{
    public const string InputName = "input";
    public const string OutputName = "output";
    public const string Fp32 = "FP32";

    /// <summary>A layer has one version: its current state.</summary>
    public const string ModelVersion = "1";

    public const string Platform = "bnservice_batchnorm";
    public const string ServerName = "bnservice";

    /// <summary>Triton's binary tensor data extension (REST), advertised in the server metadata.</summary>
    public const string BinaryTensorDataExtension = "binary_tensor_data";

    public static readonly IReadOnlyList<string> Extensions = [BinaryTensorDataExtension];

    /// <summary>Request parameter: true runs a training step (write access) instead of inference.</summary>
    public const string Training = "training";

    /// <summary>Request parameter of a training call: the train request_id, so a retry is not counted twice.</summary>
    public const string RequestId = "request_id";

    /// <summary>Response parameters of a training call.</summary>
    public const string Step = "step";
    public const string PendingUpdates = "pending_updates";

    /// <summary>Binary tensor data extension: an input's (or output's) byte count after the JSON header.</summary>
    public const string BinaryDataSize = "binary_data_size";

    /// <summary>Binary tensor data extension: a requested output's choice of binary data.</summary>
    public const string BinaryData = "binary_data";

    /// <summary>Binary tensor data extension: binary data for every output not choosing otherwise.</summary>
    public const string BinaryDataOutput = "binary_data_output";

    /// <summary>The REST header giving the JSON header's length when binary data follows it.</summary>
    public const string HeaderLengthHeader = "Inference-Header-Content-Length";

    /// <summary>The server's version, from the assembly.</summary>
    public static string ServerVersion { get; } =
        typeof(InferenceProtocol).Assembly.GetName().Version?.ToString(3) ?? "1.0.0";
}
