using System.Buffers;
using Bn.V1;
using Google.Protobuf;
using Grpc.Core;

namespace BnService.Grpc;

/// <summary>
/// How the service reads requests. Bytes which are no valid message (a bad tag, a field past the end, a string that is
/// not UTF-8) are INVALID_ARGUMENT: without this the framework reads the request before any interceptor runs and
/// answers UNKNOWN, logging the client's bytes as a server fault. Train and infer requests with many values (raw_data
/// or data) are read with <see cref="PooledTensorParser{TRequest}"/> first.
/// </summary>
public static class RequestMarshallers
{
    /// <summary>The marshaller to read <paramref name="method"/>'s requests with (it writes them as the generated one does).</summary>
    public static Marshaller<TRequest> For<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class
    {
        var read = method.RequestMarshaller.ContextualDeserializer;
        var pooled = PooledParse(typeof(TRequest));
        return Marshallers.Create(method.RequestMarshaller.ContextualSerializer, context =>
        {
            try
            {
                return pooled?.Invoke(context.PayloadAsReadOnlySequence()) as TRequest ?? read(context);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"the request is not a valid {method.FullName} message: {e.Message}"));
            }
        });
    }

    /// <summary>The requests of the batch paths (train, infer), whose many values go into a pooled array.</summary>
    private static Func<ReadOnlySequence<byte>, object?>? PooledParse(Type request)
    {
        if (request == typeof(TrainRequest))
        {
            return new PooledTensorParser<TrainRequest>(TrainRequest.Parser, TrainRequest.InputFieldNumber, (r, input) => r.Input = input).TryParse;
        }

        if (request == typeof(InferRequest))
        {
            return new PooledTensorParser<InferRequest>(InferRequest.Parser, InferRequest.InputFieldNumber, (r, input) => r.Input = input).TryParse;
        }

        return null;
    }
}
