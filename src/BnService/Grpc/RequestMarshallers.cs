using System.Buffers;
using Bn.V1;
using Google.Protobuf;
using Grpc.Core;

namespace BnService.Grpc;

/// <summary>
/// How the service reads requests. Bytes which are no valid message (a bad tag, a field past the end, a string that is
/// not UTF-8) are INVALID_ARGUMENT: without this the framework reads the request before any interceptor runs and
/// answers UNKNOWN, logging the client's bytes as a server fault. Requests whose tensors hold many values (raw_data or
/// data: train, infer, backward and the stateless ops) are read with <see cref="PooledTensorParser{TRequest}"/> first.
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

    /// <summary>The requests that carry batches (train, infer, backward, the stateless ops), whose many values go into pooled arrays.</summary>
    internal static Func<ReadOnlySequence<byte>, object?>? PooledParse(Type request)
    {
        if (request == typeof(TrainRequest))
        {
            return new PooledTensorParser<TrainRequest>(TrainRequest.Parser, TrainRequest.InputFieldNumber, (r, input) => r.Input = input).TryParse;
        }

        if (request == typeof(InferRequest))
        {
            return new PooledTensorParser<InferRequest>(InferRequest.Parser, InferRequest.InputFieldNumber, (r, input) => r.Input = input).TryParse;
        }

        if (request == typeof(BackwardRequest))
        {
            return new PooledTensorParser<BackwardRequest>(BackwardRequest.Parser,
                new PooledTensorField<BackwardRequest>(BackwardRequest.InputFieldNumber, (r, t) => r.Input = t),
                new PooledTensorField<BackwardRequest>(BackwardRequest.GradOutputFieldNumber, (r, t) => r.GradOutput = t)).TryParse;
        }

        if (request == typeof(MomentsRequest))
        {
            return new PooledTensorParser<MomentsRequest>(MomentsRequest.Parser,
                new PooledTensorField<MomentsRequest>(MomentsRequest.InputFieldNumber, (r, t) => r.Input = t),
                new PooledTensorField<MomentsRequest>(MomentsRequest.FrequencyWeightsFieldNumber, (r, t) => r.FrequencyWeights = t)).TryParse;
        }

        if (request == typeof(BatchNormalizationRequest))
        {
            return new PooledTensorParser<BatchNormalizationRequest>(BatchNormalizationRequest.Parser,
                new PooledTensorField<BatchNormalizationRequest>(BatchNormalizationRequest.XFieldNumber, (r, t) => r.X = t),
                new PooledTensorField<BatchNormalizationRequest>(BatchNormalizationRequest.MeanFieldNumber, (r, t) => r.Mean = t),
                new PooledTensorField<BatchNormalizationRequest>(BatchNormalizationRequest.VarianceFieldNumber, (r, t) => r.Variance = t),
                new PooledTensorField<BatchNormalizationRequest>(BatchNormalizationRequest.OffsetFieldNumber, (r, t) => r.Offset = t),
                new PooledTensorField<BatchNormalizationRequest>(BatchNormalizationRequest.ScaleFieldNumber, (r, t) => r.Scale = t)).TryParse;
        }

        return null;
    }
}
