using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;

namespace BnService.Tests.Hostile;

/// <summary>
/// One malformed REST request: how to build it (the path may hold <c>{target}</c>, the layer the cases compare), and
/// the status api.md gives it, with the field its problem names when one is named.
/// </summary>
public sealed record RestCase(string Name, HttpMethod Method, string Path, Func<HttpContent?> Body, HttpStatusCode Status, string? Field = null)
{
    public HttpRequestMessage Request(string target) =>
        new(Method, Path.Replace("{target}", target, StringComparison.Ordinal)) { Content = Body() };

    public override string ToString() => Name;

    public static Func<HttpContent?> Json(string text) => () => new StringContent(text, Encoding.UTF8, "application/json");

    public static Func<HttpContent?> Typed(string text, string? contentType) => () =>
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        if (contentType is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        return content;
    };

    /// <summary>A binary tensor body: the raw bytes as given, with <c>X-Tensor-Shape</c> when not null and any extra headers.</summary>
    public static Func<HttpContent?> Binary(string? shape, byte[] body, params (string Name, string Value)[] headers) => () =>
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (shape is not null)
        {
            content.Headers.TryAddWithoutValidation("X-Tensor-Shape", shape);
        }

        foreach (var (name, value) in headers)
        {
            content.Headers.TryAddWithoutValidation(name, value);
        }

        return content;
    };

    public static byte[] Floats(params float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public static Func<HttpContent?> NoBody => () => null;
}
