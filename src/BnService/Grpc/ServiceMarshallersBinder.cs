using Grpc.Core;

namespace BnService.Grpc;

/// <summary>
/// Binds a service's methods with the service's own marshallers instead of the generated ones: requests read by
/// <see cref="RequestMarshallers"/> (a malformed message is INVALID_ARGUMENT; batch values into pooled
/// arrays), answers written by <see cref="PackedDataResponses"/> (packed data straight from pooled memory).
/// </summary>
public sealed class ServiceMarshallersBinder(ServiceBinderBase inner) : ServiceBinderBase
{
    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(Rebound(method), handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(Rebound(method), handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(Rebound(method), handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(Rebound(method), handler);

    private static Method<TRequest, TResponse> Rebound<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class =>
        new(method.Type, method.ServiceName, method.Name, RequestMarshallers.For(method), PackedDataResponses.For(method.ResponseMarshaller));
}
