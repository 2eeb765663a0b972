using BnEngine;
using BnService.Hosting;
using BnService.Layers;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Status = Google.Rpc.Status;

namespace BnService.Grpc;

/// <summary>
/// The one interceptor of every gRPC call, and the one place where errors become gRPC statuses: service and engine
/// errors (what a client caused) map to their status with the offending field; a cancelled call ends as CANCELLED.
/// Anything else is a server fault and is left to the framework (INTERNAL/UNKNOWN). It also puts the call's layer and
/// final status on its request log line (<see cref="GrpcRequestLog"/>). One interceptor rather than one per concern:
/// each costs every call an async frame of the framework's and one of its own, and a unary call that completes
/// synchronously passes through this one without any.
/// </summary>
public sealed class GrpcErrorInterceptor : Interceptor
{
    /// <summary>Trailer naming the request field an error is about (also in google.rpc.BadRequest).</summary>
    public const string FieldTrailer = "bn-error-field";

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var line = GrpcRequestLog.Begin(request, context);
        Task<TResponse> call;
        try
        {
            call = continuation(request, context);
        }
        catch (Exception ex) when (Settle(ex, context, line) is { } rpc)
        {
            throw rpc;
        }

        if (!call.IsCompletedSuccessfully)
        {
            return AwaitUnaryAsync(call, context, line);
        }

        line?.GrpcStatus = nameof(StatusCode.OK);
        return call;
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var line = RequestLine.Of(context);
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception ex) when (Settle(ex, context, line) is { } rpc)
        {
            throw rpc;
        }

        line?.GrpcStatus = nameof(StatusCode.OK);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var line = RequestLine.Of(context);
        try
        {
            var response = await continuation(requestStream, context);
            line?.GrpcStatus = nameof(StatusCode.OK);
            return response;
        }
        catch (Exception ex) when (Settle(ex, context, line) is { } rpc)
        {
            throw rpc;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var line = RequestLine.Of(context);
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception ex) when (Settle(ex, context, line) is { } rpc)
        {
            throw rpc;
        }

        line?.GrpcStatus = nameof(StatusCode.OK);
    }

    private static async Task<TResponse> AwaitUnaryAsync<TResponse>(Task<TResponse> call, ServerCallContext context, RequestLine? line)
    {
        try
        {
            var response = await call;
            line?.GrpcStatus = nameof(StatusCode.OK);
            return response;
        }
        catch (Exception ex) when (Settle(ex, context, line) is { } rpc)
        {
            throw rpc;
        }
    }

    /// <summary>
    /// The status a failed call ends with, put on its line: its translation when a client caused it (returned, for the
    /// handler to throw), the status of an <see cref="RpcException"/>, or UNKNOWN for a fault (both left to propagate).
    /// </summary>
    private static RpcException? Settle(Exception exception, ServerCallContext context, RequestLine? line)
    {
        var rpc = Translate(exception, context);
        line?.GrpcStatus = ((rpc ?? exception as RpcException)?.StatusCode ?? StatusCode.Unknown).ToString();
        return rpc;
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
