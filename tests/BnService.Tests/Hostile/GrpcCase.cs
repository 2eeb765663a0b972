using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Grpc.Core;

namespace BnService.Tests.Hostile;

/// <summary>
/// One malformed gRPC call: what it sends (through the typed client, or as raw HTTP/2 bytes) and the status it must
/// end with, with the field the <c>bn-error-field</c> trailer names when one is named.
/// </summary>
public sealed record GrpcCase(string Name, Func<HostileService, Task> Call, StatusCode Status, string? Field = null)
{
    public override string ToString() => Name;

    /// <summary>A gRPC frame: the compressed flag, the big-endian length it declares, then the bytes given (which may differ from it).</summary>
    public static byte[] Frame(byte[] message, int? declaredLength = null, bool compressed = false)
    {
        var frame = new byte[5 + message.Length];
        frame[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)(declaredLength ?? message.Length));
        message.CopyTo(frame, 5);
        return frame;
    }

    /// <summary>
    /// Posts <paramref name="body"/> as the request stream of <c>bn.v1.BatchNorm/{method}</c> (or of <paramref name="method"/>
    /// itself when it names its service, <c>service/method</c>) and throws the call's
    /// status as an <see cref="RpcException"/>, as the typed client would (a call without grpc-status is UNKNOWN).
    /// </summary>
    public static async Task RawAsync(HostileService service, string method, byte[] body, string contentType = "application/grpc")
    {
        using var http = service.RawHttp2();
        using var request = new HttpRequestMessage(HttpMethod.Post, method.Contains('/', StringComparison.Ordinal) ? $"/{method}" : $"/bn.v1.BatchNorm/{method}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TE.ParseAdd("trailers");
        using var response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        var status = Header(response, "grpc-status");
        if (status is null)
        {
            throw new RpcException(new Status(StatusCode.Unknown, $"HTTP {(int)response.StatusCode} without grpc-status"));
        }

        var code = (StatusCode)int.Parse(status, System.Globalization.CultureInfo.InvariantCulture);
        if (code != StatusCode.OK)
        {
            var trailers = new Metadata();
            if (Header(response, "bn-error-field") is { } field)
            {
                trailers.Add("bn-error-field", field);
            }

            throw new RpcException(new Status(code, Uri.UnescapeDataString(Header(response, "grpc-message") ?? "")), trailers);
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.TrailingHeaders.TryGetValues(name, out var values) || response.Headers.TryGetValues(name, out values)
            ? values.FirstOrDefault()
            : null;
}
