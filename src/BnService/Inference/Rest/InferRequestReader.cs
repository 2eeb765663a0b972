using System.Buffers;
using System.Globalization;
using BnService.Hosting;
using BnService.Layers;
using BnService.Rest;
using BnService.Rest.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace BnService.Inference.Rest;

/// <summary>A REST inference request read and checked: the call, the id to echo and whether the output goes back as binary data.</summary>
public sealed record RestInferRequest(InferenceCall Call, string? Id, bool BinaryOutput);

/// <summary>
/// Reads <c>POST /v2/models/{name}/infer</c> bodies under <see cref="LimitOptions"/>: a JSON request (at most
/// <see cref="LimitOptions.MaxJsonBodyBytes"/>), or, with <c>Inference-Header-Content-Length</c>, a JSON header
/// followed by the input's raw little-endian float32 bytes (Triton's binary tensor data extension; the header at
/// most MaxJsonBodyBytes, the tensor at most <see cref="LimitOptions.MaxBatchBytes"/>). The Content-Type is not
/// looked at: Triton's clients send none, and curl's <c>-d</c> sends a form type.
/// </summary>
public sealed class InferRequestReader(IOptions<LimitOptions> options)
{
    private LimitOptions Limits => options.Value;

    /// <summary>The largest JSON request or header: the JSON body limit, within one array.</summary>
    private long MaxJsonBytes => Math.Min(Limits.MaxJsonBodyBytes, Array.MaxLength);

    public async Task<RestInferRequest> ReadAsync(HttpRequest request, string model, string? version, CancellationToken cancellationToken)
    {
        CheckEncoding(request);
        var headerLength = HeaderLength(request);
        var limit = headerLength is { } length ? length + Limits.MaxBatchBytes : MaxJsonBytes;
        using var body = RequestBodies.Open(request, limit);
        var (json, jsonLength) = headerLength is { } size
            ? (await ReadExactlyAsync(body, size, InferenceProtocol.HeaderLengthHeader, cancellationToken), (int)size)
            : await RequestBodies.BufferAsync(body, request.ContentLength, limit, cancellationToken);
        JsonInferRequest parsed;
        try
        {
            // The whole JSON is in memory: a flat data array is parsed straight from its text (BufferedJsonBody).
            using (BufferedJsonBody.Use(json, jsonLength))
            {
                parsed = InferRequestJson.Parse(json.AsSpan(0, jsonLength), Limits.MaxBatchBytes);
            }
        }
        finally
        {
            if (headerLength is null)
            {
                // A whole-JSON body came from the shared pool; the parsed request holds none of it.
                ArrayPool<byte>.Shared.Return(json);
            }
        }

        CheckModel(parsed, model, version);
        var input = await ReadInputAsync(parsed, body, headerLength is not null, cancellationToken);
        var extra = new byte[1];
        if (await body.ReadAsync(extra, cancellationToken) > 0)
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument,
                "the body holds more bytes than the JSON header and the inputs' binary_data_size name", "body");
        }

        var (training, requestId) = LayerModels.ReadMode(parsed.Parameters);
        var binaryOutput = BinaryOutput(parsed);
        parsed.Parameters.RefuseOthers(InferenceProtocol.Training, InferenceProtocol.RequestId, InferenceProtocol.BinaryDataOutput);
        return new RestInferRequest(new InferenceCall(model, version, input, training, requestId), parsed.Id, binaryOutput);
    }

    private async Task<TensorData> ReadInputAsync(JsonInferRequest parsed, Stream body, bool binaryBody, CancellationToken cancellationToken)
    {
        LayerSignature.CheckInputCount(parsed.Inputs.Count);
        var input = parsed.Inputs[0];
        LayerSignature.CheckInput(Required(input.Name, input.Field + ".name"), Required(input.Datatype, input.Field + ".datatype"), input.Field);
        var shape = LayerSignature.Shape(input.Shape ?? throw Missing(input.Field + ".shape"), input.Field, Limits.MaxBatchBytes);
        var binarySize = input.Parameters.Int(InferenceProtocol.BinaryDataSize);
        input.Parameters.RefuseOthers(InferenceProtocol.BinaryDataSize);
        if (binarySize is not { } size)
        {
            if (input.Data is null)
            {
                throw new ServiceException(ServiceErrorKind.InvalidArgument,
                    $"is required (or the parameter {InferenceProtocol.BinaryDataSize} with the values after the JSON header)", input.Field + ".data");
            }

            shape.EnsureLength(input.Count, input.Field + ".data");
            var exact = input.Data.Length == 4 * input.Count ? input.Data : input.Data.AsSpan(0, 4 * input.Count).ToArray();
            return new TensorData(shape, exact);
        }

        var sizeField = input.Parameters.FieldOf(InferenceProtocol.BinaryDataSize);
        if (input.Data is not null)
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument,
                $"an input has either data or {InferenceProtocol.BinaryDataSize}, not both", input.Field + ".data");
        }

        if (!binaryBody)
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument,
                $"binary data needs the {InferenceProtocol.HeaderLengthHeader} header giving the JSON header's length", sizeField);
        }

        LayerSignature.CheckByteCount(size, shape, sizeField);
        return new TensorData(shape, await ReadExactlyAsync(body, size, sizeField, cancellationToken, pooled: true));
    }

    /// <summary>Binary output when the request's <c>binary_data_output</c> or the output's own <c>binary_data</c> asks for it.</summary>
    private static bool BinaryOutput(JsonInferRequest parsed)
    {
        var binary = parsed.Parameters.Bool(InferenceProtocol.BinaryDataOutput) ?? false;
        var seen = false;
        foreach (var output in parsed.Outputs)
        {
            LayerSignature.CheckOutput(Required(output.Name, output.Field + ".name"), output.Field);
            if (seen)
            {
                throw new ServiceException(ServiceErrorKind.InvalidArgument, $"'{output.Name}' is requested twice", output.Field);
            }

            seen = true;
            binary = output.Parameters.Bool(InferenceProtocol.BinaryData) ?? binary;
            output.Parameters.RefuseOthers(InferenceProtocol.BinaryData);
        }

        return binary;
    }

    private static void CheckModel(JsonInferRequest parsed, string model, string? version)
    {
        if (parsed.ModelName is { } name && !string.Equals(name, model, StringComparison.Ordinal))
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument, $"the body names model '{name}' but the path names '{model}'", "model_name");
        }

        if (parsed.ModelVersion is { Length: > 0 } v && version is not null && !string.Equals(v, version, StringComparison.Ordinal))
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument, $"the body names version '{v}' but the path names '{version}'", "model_version");
        }
    }

    private static void CheckEncoding(HttpRequest request)
    {
        var encoding = request.Headers.ContentEncoding.ToString();
        if (encoding.Length > 0 && !string.Equals(encoding, "identity", StringComparison.OrdinalIgnoreCase))
        {
            throw new ServiceException(ServiceErrorKind.UnsupportedMediaType, $"Content-Encoding '{encoding}' is not supported; send the body uncompressed");
        }
    }

    /// <summary>The JSON header's length from <c>Inference-Header-Content-Length</c>, or null without the header.</summary>
    private long? HeaderLength(HttpRequest request)
    {
        if (!request.Headers.TryGetValue(InferenceProtocol.HeaderLengthHeader, out var values) || values.Count == 0)
        {
            return null;
        }

        var text = values.ToString();
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length < 2)
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument,
                $"'{text}' is not the length in bytes of a JSON header", InferenceProtocol.HeaderLengthHeader);
        }

        if (length > MaxJsonBytes)
        {
            throw new ServiceException(ServiceErrorKind.TooLarge,
                $"the JSON header of {length} bytes is over the limit of {MaxJsonBytes}", InferenceProtocol.HeaderLengthHeader);
        }

        if (request.ContentLength is { } total && total < length)
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument,
                $"the body has {total} bytes, fewer than the JSON header's {length}", InferenceProtocol.HeaderLengthHeader);
        }

        return length;
    }

    /// <param name="pooled">A tensor's bytes: from <see cref="TensorBuffers"/>, as every large batch (given back after the answer).</param>
    private static async Task<byte[]> ReadExactlyAsync(Stream body, long length, string field, CancellationToken cancellationToken, bool pooled = false)
    {
        var bytes = pooled ? TensorBuffers.Rent((int)length) : new byte[length];
        var read = await body.ReadAtLeastAsync(bytes, bytes.Length, throwOnEndOfStream: false, cancellationToken);
        if (read < length)
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument, $"the body ends after {read} of the {length} bytes {field} names", field);
        }

        return bytes;
    }

    private static string Required(string? value, string field) => value ?? throw Missing(field);

    private static ServiceException Missing(string field) => new(ServiceErrorKind.InvalidArgument, "is required", field);
}
