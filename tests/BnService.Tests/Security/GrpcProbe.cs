using Grpc.Core;

namespace BnService.Tests.Security;

/// <summary>Calls any gRPC method with empty messages (valid for every protobuf message type) and returns the status it ended with.</summary>
internal static class GrpcProbe
{
    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    public static Method<byte[], byte[]> Method(IMethod method) => new(method.Type, method.ServiceName, method.Name, Bytes, Bytes);

    public static async Task<StatusCode> CallAsync(CallInvoker invoker, Method<byte[], byte[]> method, Metadata headers)
    {
        // Long enough for any handler; server streams (health Watch) are cut after their first message.
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var options = new CallOptions(headers, cancellationToken: cancel.Token);
        try
        {
            switch (method.Type)
            {
                case MethodType.Unary:
                    await invoker.AsyncUnaryCall(method, null, options, []).ResponseAsync;
                    return StatusCode.OK;
                case MethodType.ClientStreaming:
                {
                    using var call = invoker.AsyncClientStreamingCall(method, null, options);
                    await call.RequestStream.CompleteAsync();
                    await call.ResponseAsync;
                    return StatusCode.OK;
                }

                case MethodType.ServerStreaming:
                {
                    using var call = invoker.AsyncServerStreamingCall(method, null, options, []);
                    await call.ResponseStream.MoveNext(cancel.Token);
                    return StatusCode.OK;
                }

                default:
                {
                    using var call = invoker.AsyncDuplexStreamingCall(method, null, options);
                    await call.RequestStream.CompleteAsync();
                    while (await call.ResponseStream.MoveNext(cancel.Token))
                    {
                    }

                    return StatusCode.OK;
                }
            }
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }
}
