using BnEngine;
using BnService.Layers;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Status = Google.Rpc.Status;

namespace BnService.Grpc;

/// <summary>
/// The one place where errors become gRPC statuses: service and engine errors (what a client caused) map to
/// their status with the offending field; a cancelled call ends as CANCELLED. Anything else is a server fault
/// and is left to the framework (INTERNAL/UNKNOWN).
/// </summary>
public sealed class GrpcErrorInterceptor : Interceptor
{
    /// <summary>Trailer naming the request field an error is about (also in google.rpc.BadRequest).</summary>
    public const string FieldTrailer = "bn-error-field";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception ex) when (Translate(ex, context) is { } rpc)
        {
            throw rpc;
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception ex) when (Translate(ex, context) is { } rpc)
        {
            throw rpc;
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception ex) when (Translate(ex, context) is { } rpc)
        {
            throw rpc;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception ex) when (Translate(ex, context) is { } rpc)
        {
            throw rpc;
        }
    }

    /// <summary>The status for <paramref name="exception"/>, or null when it is not a client's doing.</summary>
    public static RpcException? Translate(Exception exception, ServerCallContext context)
    {
        switch (Unwrap(exception))
        {
            case RpcException:
                return null;
            case ServiceException e:
                return Create(Code(e.Kind), e.Message, e.Field);
            case BatchNormException e:
                return Create(StatusCode.InvalidArgument, e.Message, e.Field);
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return new RpcException(new global::Grpc.Core.Status(StatusCode.Cancelled, "the call was cancelled"));
            default:
                return null;
        }
    }

    public static StatusCode Code(ServiceErrorKind kind) => kind switch
    {
        ServiceErrorKind.InvalidArgument or ServiceErrorKind.UnsupportedMediaType => StatusCode.InvalidArgument,
        ServiceErrorKind.NotFound => StatusCode.NotFound,
        ServiceErrorKind.AlreadyExists => StatusCode.AlreadyExists,
        ServiceErrorKind.ConfigMismatch => StatusCode.FailedPrecondition,
        ServiceErrorKind.TooLarge => StatusCode.ResourceExhausted,
        ServiceErrorKind.Unavailable => StatusCode.Unavailable,
        ServiceErrorKind.Unauthenticated => StatusCode.Unauthenticated,
        ServiceErrorKind.PermissionDenied => StatusCode.PermissionDenied,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static Exception Unwrap(Exception exception)
    {
        while (exception is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            exception = aggregate.InnerExceptions[0];
        }

        return exception;
    }

    private static RpcException Create(StatusCode code, string message, string? field)
    {
        var status = new Status
        {
            Code = (int)code,
            Message = string.IsNullOrEmpty(field) ? message : $"{field}: {message}",
        };
        if (string.IsNullOrEmpty(field))
        {
            return status.ToRpcException();
        }

        status.Details.Add(Any.Pack(new BadRequest
        {
            FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = message } },
        }));
        var exception = status.ToRpcException();
        exception.Trailers.Add(FieldTrailer, field);
        return exception;
    }
}
