using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Core.Interceptors;
using BnService.Hosting;

namespace BnService.Grpc;

/// <summary>
/// Completes the one request log line for gRPC calls: the gRPC status (the HTTP status of a gRPC call is
/// 200 whatever happened) and, for unary calls, the layer the call is about (a REST route has it in its
/// path; a gRPC call in its message, read only here).
/// </summary>
public sealed class GrpcRequestLogInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var line = RequestLine.Of(context);
        if (line is not null && LayerName(request) is { Length: > 0 } layer)
        {
            line.Layer = layer;
        }

        // The status is recorded here rather than through a shared helper taking the call as a delegate: one async
        // frame per call instead of three on every unary call's path.
        var status = StatusCode.Unknown;
        try
        {
            var response = await continuation(request, context);
            status = StatusCode.OK;
            return response;
        }
        catch (RpcException ex)
        {
            status = ex.StatusCode;
            throw;
        }
        finally
        {
            line?.GrpcStatus = status.ToString();
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var status = StatusCode.Unknown;
        try
        {
            await continuation(requestStream, responseStream, context);
            status = StatusCode.OK;
        }
        catch (RpcException ex)
        {
            status = ex.StatusCode;
            throw;
        }
        finally
        {
            RequestLine.Of(context)?.GrpcStatus = status.ToString();
        }
    }

    /// <summary>
    /// The layer a request names: its <c>name</c>, its config's for CreateLayer, or its <c>model_name</c> (the Open
    /// Inference Protocol's word for a layer). The request log and the rate limiter read it here.
    /// </summary>
    internal static string? LayerName<TRequest>(TRequest request) => LayerField<TRequest>.Read(request);

    /// <summary>Where a message type keeps its layer's name, looked up once per type.</summary>
    private static class LayerField<TRequest>
    {
        public static readonly Func<TRequest, string?> Read = Find();

        private static Func<TRequest, string?> Find()
        {
            if (typeof(TRequest) == typeof(Bn.V1.CreateLayerRequest))
            {
                return request => (request as Bn.V1.CreateLayerRequest)?.Config?.Name;
            }

            if (!typeof(IMessage).IsAssignableFrom(typeof(TRequest))
                || (typeof(TRequest).GetProperty(nameof(IMessage.Descriptor), BindingFlags.Public | BindingFlags.Static)?.GetValue(null)) is not MessageDescriptor descriptor
                || (descriptor.FindFieldByName("name") ?? descriptor.FindFieldByName("model_name")) is not { } field)
            {
                return _ => null;
            }

            var accessor = field.Accessor;
            return request => request is IMessage message ? accessor.GetValue(message) as string : null;
        }
    }
}
