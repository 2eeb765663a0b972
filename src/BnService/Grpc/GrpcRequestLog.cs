using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using BnService.Hosting;

namespace BnService.Grpc;

/// <summary>
/// What a gRPC call adds to its request log line: the gRPC status (the HTTP status of a gRPC call is 200 whatever
/// happened) and, for unary calls, the layer the call is about (a REST route has it in its path; a gRPC call in its
/// message, read only here). Recorded by <see cref="GrpcErrorInterceptor"/>, which settles the status.
/// </summary>
public static class GrpcRequestLog
{
    /// <summary>The line of the call, with the layer its message names; null for a call that did not come through ASP.NET Core.</summary>
    public static RequestLine? Begin<TRequest>(TRequest request, ServerCallContext context)
    {
        var line = RequestLine.Of(context);
        if (line is not null && LayerName(request) is { Length: > 0 } layer)
        {
            line.Layer = layer;
        }

        return line;
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
