using Grpc.Core;
using Grpc.Core.Interceptors;

namespace BnService.Tests.Infrastructure;

/// <summary>
/// Gives every gRPC call a test makes without a deadline of its own one of <see cref="Limit"/>, so a call (or a stream)
/// whose answer never comes fails that test with DEADLINE_EXCEEDED instead of holding the whole test run until the
/// hang guard aborts it. No test call takes more than seconds; calls that name their own deadline keep it.
/// </summary>
public sealed class CallDeadline : Interceptor
{
    public static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    private static readonly CallDeadline Instance = new();

    private CallDeadline()
    {
    }

    /// <summary>The channel's calls, each with a deadline.</summary>
    public static CallInvoker On(ChannelBase channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return channel.Intercept(Instance);
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        BlockingUnaryCallContinuation<TRequest, TResponse> continuation) => continuation(request, Bounded(context));

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation) => continuation(request, Bounded(context));

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, Bounded(context));

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(Bounded(context));

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(Bounded(context));

    private static ClientInterceptorContext<TRequest, TResponse> Bounded<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class
        where TResponse : class =>
        context.Options.Deadline is not null
            ? context
            : new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithDeadline(DateTime.UtcNow + Limit));
}
