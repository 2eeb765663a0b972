using System.Globalization;
using BnService.Grpc;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace BnService.Security;

/// <summary>
/// <see cref="CallRateLimiter"/> for gRPC: a unary call is counted against its client and the layer its message names;
/// in a stream every request message is counted when it is read, so a long stream spends the same budget as the same
/// calls made one by one. A refused call or message ends the call with RESOURCE_EXHAUSTED and a <c>retry-after</c>
/// trailer (whole seconds), after the answers already sent; it changes nothing. Open methods (health, reflection) are
/// not counted.
/// </summary>
public sealed class GrpcRateLimitInterceptor(CallRateLimiter limiter) : Interceptor
{
    public const string RetryAfterTrailer = "retry-after";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AdmitAsync(request, context);
        return await continuation(request, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AdmitAsync(request, context);
        await continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(Counted(requestStream, context), context);

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(Counted(requestStream, context), responseStream, context);

    private IAsyncStreamReader<TRequest> Counted<TRequest>(IAsyncStreamReader<TRequest> requests, ServerCallContext context) =>
        IsCounted(context) ? new CountedReader<TRequest>(requests, message => AdmitAsync(message, context)) : requests;

    private async Task AdmitAsync<TRequest>(TRequest request, ServerCallContext context)
    {
        if (!IsCounted(context))
        {
            return;
        }

        var http = context.GetHttpContext();
        var call = new RateLimitedCall(RateLimitedCall.ClientOf(http), GrpcRequestLog.LayerName(request) is { Length: > 0 } layer ? layer : null);
        using var lease = await limiter.AcquireAsync(call, context.CancellationToken);
        if (!lease.IsAcquired)
        {
            var seconds = limiter.RetryAfterSeconds(lease).ToString(CultureInfo.InvariantCulture);
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"the rate limit of this client or layer is spent; retry after {seconds} s"),
                new Metadata { { RetryAfterTrailer, seconds } });
        }
    }

    private static bool IsCounted(ServerCallContext context) =>
        context.GetHttpContext().GetEndpoint() is not { } endpoint || AccessControl.Needed(endpoint) is not null;

    /// <summary>A request stream whose every message is admitted by the limiter as it is read.</summary>
    private sealed class CountedReader<T>(IAsyncStreamReader<T> inner, Func<T, Task> admit) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (!await inner.MoveNext(cancellationToken))
            {
                return false;
            }

            await admit(inner.Current);
            return true;
        }
    }
}
