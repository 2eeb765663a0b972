using Grpc.Core;
using Serilog;

namespace BnService.Hosting;

/// <summary>
/// What a request's log line says besides what the server itself knows: the matched route, the layer, a gRPC call's
/// status and the API key's name. Recorded as plain fields while the request runs, and copied into the line's
/// properties only when the line is written (<see cref="LoggingExtensions.UseBnRequestLogging"/>): setting Serilog's
/// diagnostic properties directly converts each value on every request, whether its line is written or not.
/// </summary>
public sealed class RequestLine
{
    public const string RouteProperty = "Route";
    public const string LayerProperty = "Layer";
    public const string GrpcStatusProperty = "GrpcStatus";
    public const string ClientProperty = "Client";

    public string? Route { get; set; }

    public string? Layer { get; set; }

    public string? GrpcStatus { get; set; }

    public string? Client { get; set; }

    /// <summary>The request's line, made on first use.</summary>
    public static RequestLine Of(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.Features.Get<RequestLine>() is { } line)
        {
            return line;
        }

        line = new RequestLine();
        http.Features.Set(line);
        return line;
    }

    /// <summary>The line of the request behind a gRPC call; none for a call that did not come through ASP.NET Core.</summary>
    public static RequestLine? Of(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            return Of(context.GetHttpContext());
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The properties as the line shows them: the route and layer always (once routing ran), the others when known.</summary>
    public void WriteTo(IDiagnosticContext diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        diagnostics.Set(RouteProperty, Route);
        diagnostics.Set(LayerProperty, Layer);
        if (GrpcStatus is not null)
        {
            diagnostics.Set(GrpcStatusProperty, GrpcStatus);
        }

        if (Client is not null)
        {
            diagnostics.Set(ClientProperty, Client);
        }
    }
}
