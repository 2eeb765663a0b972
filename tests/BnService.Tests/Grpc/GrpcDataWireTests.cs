using Bn.V1;
using BnService.Grpc;
using Google.Protobuf;
using Grpc.Core;
using static BnService.Tests.Grpc.WireBytes;

namespace BnService.Tests.Grpc;

/// <summary>
/// <c>repeated float data</c> over the wire, as bytes: every encoding protobuf accepts (packed, in chunks, one fixed32
/// per value, with unknown fields), small and pooled sizes, is answered with exactly the bytes protobuf writes for the
/// answer with the values in <c>data</c>; malformed messages get the status protobuf's own parse gives them. The layers
/// echo their input (train: step n reports mean n, variance 1).
/// </summary>
public sealed class GrpcDataWireTests(FakeLayersHost fixture) : IClassFixture<FakeLayersHost>
{
    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    private readonly CallInvoker _invoker = fixture.Host.Channel.CreateCallInvoker();

    public static TheoryData<string, int> EncodingsAndCounts()
    {
        var cases = new TheoryData<string, int>();
        foreach (var encoding in new[] { "packed", "chunks", "unpacked", "unknown fields" })
        {
            foreach (var count in new[] { 1, 255, 256, 1001, 262144 })
            {
                cases.Add(encoding, count);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(EncodingsAndCounts))]
    public async Task UnaryAnswersAreTheBytesProtobufWrites(string encoding, int count)
    {
        var (shape, values) = Batch(count);
        var layer = $"wire-{encoding.Replace(' ', '-')}-{count}";
        var tensor = TensorBytes(encoding, shape, values);

        var inferred = await UnaryAsync("Infer", Request(layer, tensor));
        var trained = await UnaryAsync("Train", Request(layer, tensor));

        AssertSameBytes(new InferResponse { Output = Tensors.Data(shape, values) }.ToByteArray(), inferred, "infer");
        AssertSameBytes(Trained(shape, values, step: 1).ToByteArray(), trained, "train");
    }

    [Fact]
    public async Task StreamAnswersAreTheBytesProtobufWrites()
    {
        var sent = new[] { ("packed", 262144), ("unpacked", 1001), ("chunks", 3), ("unknown fields", 256) };
        using var train = _invoker.AsyncDuplexStreamingCall(Method(MethodType.DuplexStreaming, "TrainStream"), null, Options());
        using var infer = _invoker.AsyncDuplexStreamingCall(Method(MethodType.DuplexStreaming, "InferStream"), null, Options());
        var step = 0;
        foreach (var (encoding, count) in sent)
        {
            var (shape, values) = Batch(count);
            var request = Request("wire-stream", TensorBytes(encoding, shape, values));

            await train.RequestStream.WriteAsync(request);
            Assert.True(await train.ResponseStream.MoveNext());
            AssertSameBytes(Trained(shape, values, ++step).ToByteArray(), train.ResponseStream.Current, $"TrainStream {encoding} {count}");

            await infer.RequestStream.WriteAsync(request);
            Assert.True(await infer.ResponseStream.MoveNext());
            AssertSameBytes(new InferResponse { Output = Tensors.Data(shape, values) }.ToByteArray(), infer.ResponseStream.Current, $"InferStream {encoding} {count}");
        }

        await train.RequestStream.CompleteAsync();
        await infer.RequestStream.CompleteAsync();
        Assert.False(await train.ResponseStream.MoveNext());
        Assert.False(await infer.ResponseStream.MoveNext());
    }

    public static TheoryData<string, byte[]> MalformedMessages()
    {
        var shape = new Bn.V1.Tensor { Shape = { 256, 64 } }.ToByteArray();
        var values = Batch(256 * 64).Values;
        return new TheoryData<string, byte[]>
        {
            { "a packed length cut mid-float", Request("bad", Concat(shape, Field(2, new byte[4097]))) },
            { "a fixed32 value cut short", Request("bad", Concat(shape, Packed(2, values), Tag(2, 5), [1, 2])) },
            { "the tensor's length past the end", Concat(Field(1, "bad"u8.ToArray()), Tag(2, 2), Varint(70_000), shape, Packed(2, values)) },
            { "a bad tag after the values", Request("bad", Concat(shape, Packed(2, values), Tag(0, 0))) },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedMessages))]
    public async Task MalformedMessagesGetTheStatusOfProtobufsParse(string why, byte[] request)
    {
        Assert.NotNull(why);
        var parse = Assert.Throws<InvalidProtocolBufferException>(() => TrainRequest.Parser.ParseFrom(request));

        var error = await Assert.ThrowsAsync<RpcException>(() => UnaryAsync("Train", request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal($"the request is not a valid /bn.v1.BatchNorm/Train message: {parse.Message}", error.Status.Detail);
    }

    [Theory]
    [InlineData(255)]
    [InlineData(1000)]
    public async Task DataThatDoesNotFillTheShapeIsInvalidArgumentAtAnySize(int count)
    {
        var tensor = Concat(new Bn.V1.Tensor { Shape = { 256, 64 } }.ToByteArray(), Packed(2, Batch(count).Values));

        var error = await Assert.ThrowsAsync<RpcException>(() => UnaryAsync("Infer", Request("short", tensor)));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("input.data", error.Trailers.GetValue(GrpcErrorInterceptor.FieldTrailer));
        Assert.Contains($"data has {count} values but the shape", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    public async Task DataWithRawDataIsInvalidArgumentAtAnySize(int count)
    {
        var values = Batch(count).Values;
        var tensor = Concat(new Bn.V1.Tensor { Shape = { count } }.ToByteArray(), Packed(2, values), Field(3, FloatBytes(values)));

        var error = await Assert.ThrowsAsync<RpcException>(() => UnaryAsync("Infer", Request("both", tensor)));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("input", error.Trailers.GetValue(GrpcErrorInterceptor.FieldTrailer));
        Assert.Contains("set only one of data and raw_data", error.Status.Detail, StringComparison.Ordinal);
    }

    private static TrainResponse Trained(long[] shape, float[] values, int step) =>
        new() { Output = Tensors.Data(shape, values), BatchMean = { step }, BatchVariance = { 1.0 }, Step = step };

    private static void AssertSameBytes(byte[] expected, byte[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(expected.AsSpan().SequenceEqual(actual), $"{what}: not the bytes protobuf writes");
    }

    /// <summary>The tensor's bytes in <paramref name="encoding"/>.</summary>
    private static byte[] TensorBytes(string encoding, long[] shape, float[] values)
    {
        var shapeOnly = new Bn.V1.Tensor { Shape = { shape } }.ToByteArray();
        var third = values.Length / 3;
        return encoding switch
        {
            "packed" => Tensors.Data(shape, values).ToByteArray(),
            "chunks" => Concat(Packed(2, values.AsSpan(0, third)), shapeOnly, Packed(2, []), Packed(2, values.AsSpan(third, third)),
                Packed(2, values.AsSpan(2 * third))),
            "unpacked" => Concat(shapeOnly, Unpacked(2, values)),
            "unknown fields" => Concat(shapeOnly, Unknown(9, "newer"), Packed(2, values), Tag(10, 0), Varint(5)),
            _ => throw new ArgumentOutOfRangeException(nameof(encoding)),
        };
    }

    /// <summary>A train or infer request (the same fields) naming <paramref name="layer"/>, with a field this service does not know after the tensor.</summary>
    private static byte[] Request(string layer, byte[] tensor) =>
        Concat(Field(1, System.Text.Encoding.UTF8.GetBytes(layer)), Field(2, tensor), Unknown(15, "later"));

    /// <summary>Values whose bits a float conversion could change among ordinary ones, as [count, 1] or [n, 64].</summary>
    private static (long[] Shape, float[] Values) Batch(int count)
    {
        float[] special = [-0f, float.NaN, BitConverter.Int32BitsToSingle(0x7FC0_1234), float.Epsilon, float.NegativeInfinity, 1e-38f];
        var values = Tensors.Sequence(count, -3f, 3.7e-4f);
        for (var i = 0; i < count; i += 7)
        {
            values[i] = special[i % special.Length];
        }

        return (count % 64 == 0 ? [count / 64, 64] : [count, 1], values);
    }

    private static Method<byte[], byte[]> Method(MethodType type, string name) => new(type, BatchNorm.Descriptor.FullName, name, Bytes, Bytes);

    private static CallOptions Options() => new(deadline: DateTime.UtcNow.AddSeconds(60));

    private async Task<byte[]> UnaryAsync(string name, byte[] request) =>
        await _invoker.AsyncUnaryCall(Method(MethodType.Unary, name), null, Options(), request);
}
