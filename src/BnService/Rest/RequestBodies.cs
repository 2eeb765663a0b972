using System.Buffers;
using System.Text.Json;
using BnEngine;
using BnService.Hosting;
using BnService.Layers;
using BnService.Rest.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace BnService.Rest;

/// <summary>
/// Reads request bodies under <see cref="LimitOptions"/> before anything is buffered: the Content-Length is
/// checked first, and every body is read through a counting stream, so an oversize body (chunked or not) is a
/// 413. A JSON body may be <see cref="LimitOptions.JsonOverheadFactor"/> times the batch limit; a binary body
/// is exactly the tensor its <c>X-Tensor-Shape</c> names.
/// </summary>
public sealed class RequestBodies(IOptions<LimitOptions> limits, IOptions<JsonOptions> json)
{
    public const string Json = "application/json";
    public const string Binary = "application/octet-stream";
    public const string ShapeHeader = "X-Tensor-Shape";

    public LimitOptions Limits => limits.Value;

    public static bool IsJson(HttpRequest request) =>
        request.ContentType is { } type
        && (MediaType(type).Equals(Json, StringComparison.OrdinalIgnoreCase) || MediaType(type).EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    public static bool IsBinary(HttpRequest request) =>
        request.ContentType is { } type && MediaType(type).Equals(Binary, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the client asked for the binary tensor encoding in the response.</summary>
    public static bool WantsBinary(HttpRequest request)
    {
        foreach (var accept in request.Headers.Accept)
        {
            var text = accept.AsSpan();
            foreach (var part in text.Split(','))
            {
                if (MediaType(text[part]).Equals(Binary, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Deserializes a JSON body; malformed JSON or a wrong type is a 400 naming the JSON path.</summary>
    public async Task<T> ReadJsonAsync<T>(HttpRequest request, CancellationToken cancellationToken) where T : class
    {
        if (!IsJson(request))
        {
            throw UnsupportedType(request, Json);
        }

        var limit = Limits.MaxJsonBodyBytes;
        var (buffer, length) = await BufferAsync(request, limit, cancellationToken);
        try
        {
            // One pass over the whole body. (Streamed, the serializer would re-scan a tensor's array from its start each
            // time more of it arrived, since the tensor converter needs the whole value at once.) In memory, a tensor's
            // data is parsed straight from the text.
            using (BufferedJsonBody.Use(buffer, length))
            {
                return JsonSerializer.Deserialize<T>(buffer.AsSpan(0, length), json.Value.SerializerOptions)
                       ?? throw new ServiceException(ServiceErrorKind.InvalidArgument, "the body is null; expected a JSON object");
            }
        }
        catch (TensorTooLargeException e)
        {
            var field = FieldOf(e.Path);
            throw new ServiceException(ServiceErrorKind.TooLarge,
                $"{field ?? "a tensor"} holds more than {e.MaxBytes / sizeof(float)} float32 values, over the limit of {e.MaxBytes} bytes", field);
        }
        catch (JsonException e)
        {
            var field = FieldOf(e.Path);
            throw new ServiceException(ServiceErrorKind.InvalidArgument, Describe(e, field), field);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The whole body (at most <paramref name="limit"/> bytes, else 413) in a pooled array the caller returns.</summary>
    private static async Task<(byte[] Buffer, int Length)> BufferAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        using var body = Open(request, limit);
        return await BufferAsync(body, request.ContentLength, limit, cancellationToken);
    }

    /// <summary>
    /// The rest of <paramref name="body"/> (a stream from <see cref="Open"/>, which holds it to the limit) in an array of
    /// <see cref="ArrayPool{T}.Shared"/> that the caller returns. <paramref name="known"/>: the request's Content-Length.
    /// </summary>
    public static async Task<(byte[] Buffer, int Length)> BufferAsync(Stream body, long? known, long limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(1, Math.Min(known ?? 16 * 1024, limit)));
        var length = 0;
        try
        {
            if (known is { } contentLength)
            {
                // The server ends the body at its Content-Length.
                length = await body.ReadAtLeastAsync(buffer.AsMemory(0, (int)contentLength), (int)contentLength, throwOnEndOfStream: false,
                    cancellationToken);
                return (buffer, length);
            }

            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(2L * buffer.Length, Array.MaxLength));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    return (buffer, length);
                }

                length += read;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>Reads a binary tensor: the shape from <c>X-Tensor-Shape</c>, then exactly its float32 bytes, little-endian.</summary>
    public async Task<TensorData> ReadBinaryTensorAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var shape = TensorShape.Create(ParseShapeHeader(request), ShapeHeader);
        var expected = 4L * shape.ElementCount;
        if (expected > Limits.MaxBatchBytes)
        {
            throw new ServiceException(ServiceErrorKind.TooLarge,
                $"{ShapeHeader} {shape} names {expected} bytes of float32, over the limit of {Limits.MaxBatchBytes}", ShapeHeader);
        }

        if (request.ContentLength is { } length && length != expected)
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument,
                $"the body has {length} bytes but {ShapeHeader} {shape} needs {expected} (little-endian float32)", "body");
        }

        var bytes = TensorBuffers.Rent((int)expected);
        // With a Content-Length (the batch's size, checked above) the server holds the body to it; a body of unknown
        // length is read through the limit, and whatever comes past the batch is an error.
        var lengthKnown = request.ContentLength == expected;
        using var limited = lengthKnown ? null : Open(request, Limits.MaxBatchBytes);
        if (lengthKnown)
        {
            LiftServerLimit(request);
        }

        var read = await (limited ?? request.Body).ReadAtLeastAsync(bytes, bytes.Length, throwOnEndOfStream: false, cancellationToken);
        if (read < expected || (limited is not null && await limited.ReadAsync(new byte[1], cancellationToken) > 0))
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument,
                $"the body does not hold exactly the {expected} bytes {ShapeHeader} {shape} needs (little-endian float32)", "body");
        }

        return new TensorData(shape, bytes);
    }

    /// <summary>Reads a whole body of at most <paramref name="limit"/> bytes (413 past it), whatever its content.</summary>
    public static async Task<byte[]> ReadBytesAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        await using var body = Open(request, limit);
        using var bytes = new MemoryStream();
        await body.CopyToAsync(bytes, cancellationToken);
        return bytes.ToArray();
    }

    public static ServiceException TooLarge(long limit) =>
        new(ServiceErrorKind.TooLarge, $"the request body is over the limit of {limit} bytes", "body");

    public static ServiceException UnsupportedType(HttpRequest request, params string[] accepted) =>
        new(ServiceErrorKind.UnsupportedMediaType,
            $"Content-Type '{request.ContentType ?? "(none)"}' is not accepted here; send {string.Join(" or ", accepted)}");

    /// <summary>A comma-separated list of numbers in a header (shape, batch weights); a bad one is a 400 on that header.</summary>
    public static long[] ParseShapeHeader(HttpRequest request)
    {
        var text = request.Headers[ShapeHeader].ToString();
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument, $"a binary tensor needs the {ShapeHeader} header, e.g. 32,8,8,64", ShapeHeader);
        }

        // Read in place (no part strings): each comma-separated part, trimmed, is a size.
        var span = text.AsSpan();
        var dims = new long[span.Count(',') + 1];
        var i = 0;
        foreach (var part in span.Split(','))
        {
            if (!long.TryParse(span[part].Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out dims[i++]))
            {
                throw new ServiceException(ServiceErrorKind.InvalidArgument, $"{ShapeHeader} '{text}' is not a comma-separated list of sizes", ShapeHeader);
            }
        }

        return dims;
    }

    /// <summary>The body as a stream that refuses (413) past <paramref name="limit"/> bytes, the server's own limit lifted.</summary>
    public static Stream Open(HttpRequest request, long limit)
    {
        if (request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }

        LiftServerLimit(request);
        return new LimitedReadStream(request.Body, limit);
    }

    /// <summary>The service's own limits replace the server's (30 MB by default), which would otherwise stop large batches.</summary>
    private static void LiftServerLimit(HttpRequest request)
    {
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = null;
        }
    }

    /// <summary>The media type of a Content-Type or Accept entry: before any parameters, trimmed (compared ignoring case).</summary>
    private static ReadOnlySpan<char> MediaType(ReadOnlySpan<char> contentType)
    {
        var end = contentType.IndexOf(';');
        return (end < 0 ? contentType : contentType[..end]).Trim();
    }

    /// <summary><c>$.input.data[3]</c> becomes <c>input.data[3]</c>; the root becomes no field.</summary>
    private static string? FieldOf(string? path) =>
        path is null or "$" ? null : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    private static string Describe(JsonException e, string? field)
    {
        // The serializer's own messages name .NET types: say what JSON was expected instead.
        var message = e.Message;
        var at = field is null ? "the body" : $"'{field}'";
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            return $"{at} is not a field of this request";
        }

        if (message.Contains("missing required properties", StringComparison.Ordinal))
        {
            var names = message[(message.IndexOf(':', StringComparison.Ordinal) + 1)..].Split('.')[0].Trim();
            return $"the request lacks required fields: {names}";
        }

        foreach (var (type, expected) in ExpectedJson)
        {
            if (message.Contains($"converted to {type}", StringComparison.Ordinal))
            {
                return $"{at} must be {expected}";
            }
        }

        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return "the body is not valid JSON for this request: " + (cut > 0 ? message[..cut] : message);
    }

    private static readonly (string Type, string Expected)[] ExpectedJson =
    [
        ("System.Nullable`1[System.Int32]", "an integer or null"), ("System.Int32[]", "an array of integers"), ("System.Int32", "an integer"),
        ("System.Nullable`1[System.Double]", "a number or null"), ("System.Double", "a number"),
        ("System.Single[]", "an array of numbers"), ("System.Nullable`1[System.Boolean]", "true, false or null"),
        ("System.Boolean", "true or false"), ("System.String[]", "an array of strings"), ("System.String", "a string"),
        ("BnService", "an object"),
    ];
}
