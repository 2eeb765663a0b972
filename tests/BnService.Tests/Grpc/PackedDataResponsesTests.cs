using System.Buffers;
using System.Runtime.InteropServices;
using Bn.V1;
using BnEngine;
using BnService.Grpc;
using BnService.Layers;
using Google.Protobuf;
using Grpc.Core;

namespace BnService.Tests.Grpc;

/// <summary>
/// Train and infer answers to <c>data</c> go through the service's own marshallers (as bound) byte for byte as protobuf
/// writes them, whether the values were read into a pooled array or by protobuf, and a 1 MB call allocates no array of
/// its size.
/// </summary>
public sealed class PackedDataResponsesTests
{
    private static readonly Method<TrainRequest, TrainResponse> Train = BoundMethods.Get<TrainRequest, TrainResponse>("Train");
    private static readonly Method<InferRequest, InferResponse> Infer = BoundMethods.Get<InferRequest, InferResponse>("Infer");
    private static readonly Method<TrainRequest, TrainResponse> TrainStream = BoundMethods.Get<TrainRequest, TrainResponse>("TrainStream");
    private static readonly Method<InferRequest, InferResponse> InferStream = BoundMethods.Get<InferRequest, InferResponse>("InferStream");

    private readonly TensorWire _wire = new(64L << 20);

    /// <summary>One value, the most and the least values protobuf's own parse and the pooled parse take, an odd count, 1 MB.</summary>
    public static TheoryData<int> Counts => [1, 255, 256, 1001, 262144];

    [Theory]
    [MemberData(nameof(Counts))]
    public void TrainAnswersAreTheBytesProtobufWrites(int count)
    {
        var (shape, input, output) = Batch(count);
        foreach (var method in new[] { Train, TrainStream })
        {
            var request = Parse(method, new TrainRequest { Name = "n", Input = Tensors.Data(shape, input), RequestId = "r" });
            Assert.Equal(count >= 256, PackedData.TryGet(request.Input.RawData, out _));
            var (tensor, encoding) = _wire.Read(request.Input, "input");
            Assert.Equal(TensorEncoding.Data, encoding);
            Assert.Equal(WireBytes.FloatBytes(input), tensor.Bytes);

            var response = new TrainResponse
            {
                Output = TensorWire.Answer(request.Input, Output(tensor.Shape, output), encoding),
                BatchMean = { 0.25, -1e-300 }, BatchVariance = { 2.5, double.Epsilon }, Step = 300, PendingUpdates = 2,
            };
            var expected = new TrainResponse
            {
                Output = Tensors.Data(shape, output),
                BatchMean = { 0.25, -1e-300 }, BatchVariance = { 2.5, double.Epsilon }, Step = 300, PendingUpdates = 2,
            };

            AssertWritten(expected.ToByteArray(), method, response);
        }
    }

    [Theory]
    [MemberData(nameof(Counts))]
    public void InferAnswersAreTheBytesProtobufWrites(int count)
    {
        var (shape, input, output) = Batch(count);
        foreach (var method in new[] { Infer, InferStream })
        {
            var request = Parse(method, new InferRequest { Name = "n", Input = Tensors.Data(shape, input) });
            var (tensor, encoding) = _wire.Read(request.Input, "input");

            var response = new InferResponse { Output = TensorWire.Answer(request.Input, Output(tensor.Shape, output), encoding) };

            AssertWritten(new InferResponse { Output = Tensors.Data(shape, output) }.ToByteArray(), method, response);
        }
    }

    [Fact]
    public void AnEmptyPackedOutputWritesNoDataField()
    {
        var response = new InferResponse { Output = new Bn.V1.Tensor { Shape = { 0 }, RawData = PackedData.Wrap([]) } };

        AssertWritten(new InferResponse { Output = new Bn.V1.Tensor { Shape = { 0 } } }.ToByteArray(), Infer, response);
    }

    public static TheoryData<string, TrainResponse> OtherResponses => new()
    {
        { "raw_data", new TrainResponse { Output = Tensors.Raw([2, 1], [1f, 2f]), Step = 1 } },
        { "data in the float list", new TrainResponse { Output = Tensors.Data([2, 1], [1f, 2f]), BatchMean = { 3 } } },
        { "no output", new TrainResponse { Step = 4 } },
    };

    [Theory]
    [MemberData(nameof(OtherResponses))]
    public void OtherAnswersAreWrittenByProtobuf(string why, TrainResponse response)
    {
        Assert.NotNull(why);
        AssertWritten(response.ToByteArray(), Train, response);
    }

    [Fact]
    public void ADataCallAtOneMegabyteAllocatesNoArrayOfItsSize()
    {
        // [4099, 64]: a length no other test pools (TensorBuffers is shared by the tests running alongside).
        var (shape, input, _) = Batch(4099 * 64, rows: 4099);
        var wire = new TrainRequest { Name = "n", Input = Tensors.Data(shape, input) }.ToByteArray();
        var payload = WireBytes.Segments(wire, 4096);
        var written = new WrittenContext(wire.Length + 4096);
        var valueBytes = input.Length * sizeof(float);

        void Call()
        {
            written.Reset();
            var request = Train.RequestMarshaller.ContextualDeserializer(new PayloadContext(payload));
            var (tensor, encoding) = _wire.Read(request.Input, "input");
            // As a layer's output: a pooled array of the batch's length.
            var output = new TensorData(tensor.Shape, TensorBuffers.Rent(tensor.Bytes.Length));
            tensor.Bytes.CopyTo(output.Bytes, 0);
            var response = new TrainResponse { Output = TensorWire.Answer(request.Input, output, encoding), Step = 1 };
            Train.ResponseMarshaller.ContextualSerializer(response, written);
            new CallBuffers(tensor.Bytes, output.Bytes).ReturnNow();
        }

        for (var i = 0; i < 4; i++)
        {
            Call();
        }

        const int Calls = 16;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Calls; i++)
        {
            Call();
        }

        var perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / Calls;
        Assert.Equal(WireBytes.FloatBytes(input), WireBytes.FloatBytes(TrainResponse.Parser.ParseFrom(written.Bytes).Output.Data.ToArray()));
        // Under 1 KB per call here. A pooled array missed now and then (a test alongside filling the pool with other
        // lengths) costs 1 MB / 16 each; protobuf's own parse allocates the values' size on every call.
        Assert.True(perCall < valueBytes / 4, $"{perCall} bytes allocated per call");

        var parsing = GC.GetAllocatedBytesForCurrentThread();
        _ = TrainRequest.Parser.ParseFrom(payload);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - parsing >= valueBytes, "protobuf's parse allocates the values");
    }

    private static void AssertWritten<TRequest, TResponse>(byte[] expected, Method<TRequest, TResponse> method, TResponse response)
        where TRequest : class
        where TResponse : class
    {
        var context = new WrittenContext();
        method.ResponseMarshaller.ContextualSerializer(response, context);
        Assert.True(context.Completed);
        Assert.Equal(context.Written.WrittenCount, context.DeclaredLength);
        Assert.Equal(expected.Length, context.Written.WrittenCount);
        Assert.True(expected.AsSpan().SequenceEqual(context.Written.WrittenSpan), $"{method.Name}: not the bytes protobuf writes");
    }

    /// <summary>Input values whose bits a float conversion could change, and different output values.</summary>
    private static (long[] Shape, float[] Input, float[] Output) Batch(int count, int rows = 0)
    {
        float[] special = [-0f, float.NaN, BitConverter.Int32BitsToSingle(0x7FC0_1234), float.Epsilon, float.NegativeInfinity, float.MaxValue];
        var input = Tensors.Sequence(count, -3f, 3.7e-4f);
        var output = Tensors.Sequence(count, 7f, -1.1e-3f);
        for (var i = 0; i < count; i += 13)
        {
            input[i] = special[i % special.Length];
            output[(count - 1 - i) % count] = special[(i + 1) % special.Length];
        }

        long[] shape = rows > 0 ? [rows, count / rows] : [count, 1];
        return (shape, input, output);
    }

    private static TensorData Output(TensorShape shape, float[] values)
    {
        var bytes = TensorBuffers.Rent(values.Length * sizeof(float));
        MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(bytes);
        return new TensorData(shape, bytes);
    }

    private static TRequest Parse<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class =>
        method.RequestMarshaller.ContextualDeserializer(new PayloadContext(WireBytes.Segments(request.ToByteArray(), 4096)));
}
