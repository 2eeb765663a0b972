using System.Buffers;
using BnService.Grpc;
using Grpc.Core;

namespace BnService.Tests.Grpc;

/// <summary>bn.v1.BatchNorm's methods as the service binds them (with its own marshallers), to run those without a server.</summary>
internal static class BoundMethods
{
    private static readonly Dictionary<string, IMethod> All = Bind();

    public static Method<TRequest, TResponse> Get<TRequest, TResponse>(string name)
        where TRequest : class
        where TResponse : class => (Method<TRequest, TResponse>)All[name];

    private static Dictionary<string, IMethod> Bind()
    {
        var recorder = new Recorder();
        BatchNormGrpcService.BindService(recorder, null);
        return recorder.Methods;
    }

    private sealed class Recorder : ServiceBinderBase
    {
        public Dictionary<string, IMethod> Methods { get; } = [];

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
            Methods.Add(method.Name, method);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            Methods.Add(method.Name, method);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            Methods.Add(method.Name, method);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            Methods.Add(method.Name, method);
    }
}

/// <summary>A message's bytes as the server hands them to a request marshaller.</summary>
internal sealed class PayloadContext(ReadOnlySequence<byte> payload) : DeserializationContext
{
    public override int PayloadLength => (int)payload.Length;

    public override byte[] PayloadAsNewBuffer() => payload.ToArray();

    public override ReadOnlySequence<byte> PayloadAsReadOnlySequence() => payload;
}

/// <summary>Where a response marshaller writes, as the server's context does: the length it declares, then the bytes.</summary>
internal sealed class WrittenContext(int capacity = 256) : SerializationContext
{
    public ArrayBufferWriter<byte> Written { get; } = new(capacity);

    public int? DeclaredLength { get; private set; }

    public bool Completed { get; private set; }

    public byte[] Bytes => Written.WrittenSpan.ToArray();

    public void Reset()
    {
        Written.ResetWrittenCount();
        DeclaredLength = null;
        Completed = false;
    }

    public override void SetPayloadLength(int payloadLength) => DeclaredLength = payloadLength;

    public override IBufferWriter<byte> GetBufferWriter() => Written;

    public override void Complete() => Completed = true;

    public override void Complete(byte[] payload)
    {
        Written.Write(payload);
        Completed = true;
    }
}
