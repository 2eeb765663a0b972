using System.Buffers;
using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace BnService.Load.Echo;

/// <summary>
/// The baseline server: Kestrel configured as BnService is (an HTTP/1.1 port for REST, an HTTP/2 port for gRPC,
/// the same HTTP/2 flow-control windows, the same gRPC receive limit, logging at Warning), answering each call
/// with what it was sent.
/// </summary>
public static class EchoServer
{
    /// <summary>BnService's defaults: Limits:MaxBatchBytes 64 MiB, gRPC receive limit two batches plus 1 MiB.</summary>
    private const int MaxReceiveMessageBytes = 2 * (64 << 20) + (1 << 20);

    public static async Task RunAsync(int restPort, int grpcPort)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, restPort, listen => listen.Protocols = HttpProtocols.Http1);
            kestrel.Listen(IPAddress.Loopback, grpcPort, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Limits.Http2.InitialConnectionWindowSize = 16 * 1024 * 1024;
            kestrel.Limits.Http2.InitialStreamWindowSize = 8 * 1024 * 1024;
            kestrel.Limits.MaxRequestBodySize = null;
        });
        builder.Services.AddGrpc(options => options.MaxReceiveMessageSize = MaxReceiveMessageBytes);

        var app = builder.Build();
        app.MapGet("/readyz", () => "ready");
        app.MapPost("/echo", EchoBodyAsync);
        app.MapGrpcService<EchoGrpcService>();
        await app.RunAsync();
    }

    /// <summary>Reads the whole body into a pooled buffer and writes it back with the same content type and tensor shape.</summary>
    private static async Task EchoBodyAsync(HttpContext http)
    {
        var request = http.Request;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }

        var length = checked((int)(request.ContentLength ?? throw new Microsoft.AspNetCore.Http.BadHttpRequestException("Content-Length is required")));
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            await request.Body.ReadExactlyAsync(buffer.AsMemory(0, length), http.RequestAborted);
            var response = http.Response;
            response.ContentType = request.ContentType;
            response.ContentLength = length;
            if (request.Headers.TryGetValue("X-Tensor-Shape", out var shape))
            {
                response.Headers["X-Tensor-Shape"] = shape;
            }

            // Written as BnService writes a binary answer (ResponseBodies.WriteWholeAsync): one pipe segment sized to it.
            await response.StartAsync(http.RequestAborted);
            buffer.AsSpan(0, length).CopyTo(response.BodyWriter.GetSpan(length));
            response.BodyWriter.Advance(length);
            await response.BodyWriter.FlushAsync(http.RequestAborted);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
