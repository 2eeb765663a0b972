using System.Buffers;
using System.Globalization;
using System.Text.Json;
using BnService.Rest;
using BnService.Rest.Json;

namespace BnService.Inference.Rest;

/// <summary>
/// <c>$inference_response</c>: <c>model_name</c>, <c>model_version</c>, <c>id</c> (when the request had one),
/// <c>parameters</c> (a training step's <c>step</c> and <c>pending_updates</c>) and the one output. As JSON
/// (<c>application/json</c>, the values as a flat array, written as they are produced), or, when binary output was
/// asked for, as a JSON header with the output's <c>binary_data_size</c> followed by its little-endian float32 bytes
/// (<c>application/octet-stream</c>, the header's length in <c>Inference-Header-Content-Length</c>).
/// </summary>
public sealed class InferResult(string model, string? id, InferenceAnswer answer, bool binaryOutput) : IResult
{
    public const string Json = "application/json";
    public const string Binary = "application/octet-stream";

    /// <summary>
    /// Values written between flushes of a JSON answer: at most 1 MiB of text, in segments of
    /// <see cref="LargeSegments.SegmentBytes"/>, held by the pipe before it is sent.
    /// </summary>
    private const int FlushValues = 64 * 1024;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        var cancellationToken = httpContext.RequestAborted;
        if (binaryOutput)
        {
            var header = new ArrayBufferWriter<byte>(512);
            using (var writer = new Utf8JsonWriter(header))
            {
                WriteStart(writer);
                writer.WriteStartObject("parameters");
                writer.WriteNumber(InferenceProtocol.BinaryDataSize, answer.Output.Bytes.Length);
                writer.WriteEndObject();
                WriteEnd(writer);
            }

            response.ContentType = Binary;
            response.Headers[InferenceProtocol.HeaderLengthHeader] = header.WrittenCount.ToString(CultureInfo.InvariantCulture);
            response.ContentLength = header.WrittenCount + answer.Output.Bytes.Length;
            await ResponseBodies.WriteWholeAsync(response, header.WrittenMemory, answer.Output.Bytes, cancellationToken);
            return;
        }

        response.ContentType = Json;
        await response.StartAsync(cancellationToken);
        var pipe = response.BodyWriter;
        using (var json = new Utf8JsonWriter(new LargeSegments(pipe)))
        {
            WriteStart(json);
            json.WriteStartArray("data");
            var count = answer.Output.Bytes.Length / sizeof(float);
            for (var start = 0; start < count; start += FlushValues)
            {
                JsonFloatArray.WriteValues(json, answer.Output.Values.Slice(start, Math.Min(FlushValues, count - start)));
                json.Flush();
                await pipe.FlushAsync(cancellationToken);
            }

            json.WriteEndArray();
            WriteEnd(json);
        }

        await pipe.FlushAsync(cancellationToken);
    }

    /// <summary>Everything up to the output's values: the response's own fields and the output's name, datatype and shape.</summary>
    private void WriteStart(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("model_name", model);
        writer.WriteString("model_version", InferenceProtocol.ModelVersion);
        if (id is not null)
        {
            writer.WriteString("id", id);
        }

        if (answer.Step is { } step)
        {
            writer.WriteStartObject("parameters");
            writer.WriteNumber(InferenceProtocol.Step, step);
            writer.WriteNumber(InferenceProtocol.PendingUpdates, answer.PendingUpdates ?? 0);
            writer.WriteEndObject();
        }

        writer.WriteStartArray("outputs");
        writer.WriteStartObject();
        writer.WriteString("name", InferenceProtocol.OutputName);
        writer.WriteString("datatype", InferenceProtocol.Fp32);
        writer.WriteStartArray("shape");
        foreach (var dim in answer.Output.Shape.Dims)
        {
            writer.WriteNumberValue(dim);
        }

        writer.WriteEndArray();
    }

    private static void WriteEnd(Utf8JsonWriter writer)
    {
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
