using System.Globalization;
using System.Text;
using Grpc.Core;

namespace BnService.Security;

/// <summary>
/// A gRPC answer written before the call reaches gRPC: HTTP 200 with <c>grpc-status</c> in the headers and no body (a
/// trailers-only response), so a client sees the real status rather than a bare HTTP error it has to translate.
/// </summary>
internal static class GrpcTrailersOnly
{
    public static bool IsGrpc(HttpContext http) =>
        http.GetEndpoint()?.Metadata.GetMetadata<global::Grpc.AspNetCore.Server.GrpcMethodMetadata>() is not null
        || http.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;

    public static Task WriteAsync(HttpContext http, StatusCode status, string message, IEnumerable<KeyValuePair<string, string>>? metadata = null)
    {
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)status).ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = PercentEncode(message);
        foreach (var (key, value) in metadata ?? [])
        {
            response.Headers[key] = value;
        }

        return response.CompleteAsync();
    }

    /// <summary>grpc-message is percent-encoded UTF-8 outside printable ASCII (and '%' itself).</summary>
    private static string PercentEncode(string message)
    {
        var text = new StringBuilder(message.Length);
        foreach (var b in Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7E and not (byte)'%')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }
}
