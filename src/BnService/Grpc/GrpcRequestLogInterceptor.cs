using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Serilog;

namespace BnService.Grpc;

/// <summary>
/// Completes the one request log line for gRPC calls: the gRPC status (the HTTP status of a gRPC call is
/// 200 whatever happened) and, for unary calls, the layer the call is about (a REST route has it in its
/// path; a gRPC call in its message, read only here).
/// </summary>
public sealed class GrpcRequestLogInterceptor(IDiagnosticContext? diagnostics = null) : Interceptor
{
    public const string StatusProperty = "GrpcStatus";

    /// <summary>The request log's layer property (see Hosting/LoggingExtensions).</summary>
    public const string LayerProperty = "Layer";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (LayerName(request) is { Length: > 0 } layer)
        {
            diagnostics?.Set(LayerProperty, layer);
        }

        return await Logged(() => continuation(request, context));
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        Logged(async () =>
        {
            await continuation(requestStream, responseStream, context);
            return true;
        });

    private async Task<T> Logged<T>(Func<Task<T>> call)
    {
        var status = StatusCode.Unknown;
        try
        {
            var result = await call();
            status = StatusCode.OK;
            return result;
        }
        catch (RpcException ex)
        {
            status = ex.StatusCode;
            throw;
        }
        finally
        {
            diagnostics?.Set(StatusProperty, status.ToString());
        }
    }

    /// <summary>
    /// The layer a request names: its <c>name</c>, its config's for CreateLayer, or its <c>model_name</c> (the Open
    /// Inference Protocol's word for a layer). The request log and the rate limiter read it here.
    /// </summary>
    internal static string? LayerName(object request) => request switch
    {
        Bn.V1.CreateLayerRequest create => create.Config?.Name,
        IMessage message => (message.Descriptor.FindFieldByName("name") ?? message.Descriptor.FindFieldByName("model_name"))?.Accessor.GetValue(message) as string,
        _ => null,
    };
}
