using System.Buffers;
using System.Runtime.InteropServices;
using Bn.V1;
using BnService.Grpc;
using BnService.Layers;
using Google.Protobuf;
using static BnService.Tests.Grpc.WireBytes;

namespace BnService.Tests.Grpc;

/// <summary>
/// A large raw_data or data is read into an exact array of its own, and the message is the one protobuf parses (data's
/// values carried as <see cref="PackedData"/>); every other message is left to protobuf (null).
/// </summary>
public sealed class PooledTensorParserTests
{
    /// <summary>[256, 64] float32: 64 KiB, over the smallest pooled length.</summary>
    private static readonly float[] Batch = Tensors.Sequence(256 * 64, -2f, 1e-4f);

    /// <summary>The most float32 values under <see cref="TensorBuffers.MinPooledBytes"/>.</summary>
    private const int Small = (TensorBuffers.MinPooledBytes / sizeof(float)) - 1;

    private static readonly PooledTensorParser<TrainRequest> Train = new(TrainRequest.Parser, TrainRequest.InputFieldNumber, (r, t) => r.Input = t);

    private static readonly PooledTensorParser<InferRequest> Infer = new(InferRequest.Parser, InferRequest.InputFieldNumber, (r, t) => r.Input = t);

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(4096)]
    [InlineData(7)]
    public void ALargeRawDataIsTakenIntoAnExactArrayOfItsOwn(int segmentBytes)
    {
        var sent = new TrainRequest
        {
            Name = "layer-1", Input = Tensors.Raw([256, 64], Batch), BatchWeights = { Tensors.Sequence(256) }, RequestId = "r-7",
        };
        var wire = sent.ToByteArray();

        var parsed = Train.TryParse(Segments(wire, segmentBytes));

        Assert.NotNull(parsed);
        Assert.Equal(TrainRequest.Parser.ParseFrom(wire), parsed);
        Assert.True(MemoryMarshal.TryGetArray(parsed.Input.RawData.Memory, out var segment));
        Assert.Equal(0, segment.Offset);
        Assert.Equal(Batch.Length * sizeof(float), segment.Array!.Length);
        Assert.Equal(Batch, MemoryMarshal.Cast<byte, float>(segment.Array).ToArray());
    }

    [Fact]
    public void FieldsInAnyOrderAndUnknownFieldsAreKept()
    {
        var input = new TrainRequest { Input = new Tensor { RawData = Tensors.Raw([256, 64], Batch).RawData, Shape = { 256, 64 } } }.ToByteArray();
        var name = new TrainRequest { Name = "late-name", RequestId = "id" }.ToByteArray();
        var unknown = Unknown(fieldNumber: 9, "kept");
        var wire = Concat(unknown, input, name, unknown);

        var parsed = Train.TryParse(Segments(wire, 4096));

        Assert.Equal(TrainRequest.Parser.ParseFrom(wire), parsed);
        Assert.Equal("late-name", parsed!.Name);
    }

    [Fact]
    public void InferRequestsToo()
    {
        var wire = new InferRequest { Name = "infer", Input = Tensors.Raw([256, 64], Batch) }.ToByteArray();
        Assert.Equal(InferRequest.Parser.ParseFrom(wire), Infer.TryParse(Segments(wire, 4096)));
    }

    public static TheoryData<string, byte[]> LeftToProtobuf()
    {
        var raw = Tensors.Raw([256, 64], Batch);
        var input = new TrainRequest { Name = "n", Input = raw }.ToByteArray();
        var rawTwice = Concat(raw.ToByteArray(), raw.ToByteArray());
        return new TheoryData<string, byte[]>
        {
            { "raw_data under the pooled length", new TrainRequest { Name = "n", Input = Tensors.Raw([Small, 1], Tensors.Sequence(Small)) }.ToByteArray() },
            { "raw_data with data", Field(2, Concat(raw.ToByteArray(), Packed(2, [1f]))) },
            { "no input", new TrainRequest { Name = "n", BatchWeights = { Batch } }.ToByteArray() },
            { "input twice", Concat(input, input) },
            { "raw_data twice", Concat(Tag(2, 2), Varint((ulong)rawTwice.Length), rawTwice) },
            { "input as a varint too", Concat(input, Tag(2, 0), Varint(1)) },
            { "a group", Concat(Tag(7, 3), Tag(7, 4), input) },
            { "cut short", input[..^1] },
            { "a length past the end", Concat(input, Tag(5, 2), Varint(10), [1, 2]) },
        };
    }

    [Theory]
    [MemberData(nameof(LeftToProtobuf))]
    public void OtherMessagesAreLeftToProtobuf(string why, byte[] wire)
    {
        Assert.True(Train.TryParse(Segments(wire, 4096)) is null, why);
    }

    [Fact]
    public void WhateverItTakesIsWhatProtobufParses()
    {
        var valid = new TrainRequest { Name = "n", Input = Tensors.Raw([256, 64], Batch), BatchWeights = { 1f, 2f }, RequestId = "q" }.ToByteArray();
        var random = new Random(6);
        var taken = 0;
        for (var i = 0; i < 400; i++)
        {
            var wire = (byte[])valid.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                // The fields' tags and lengths sit at both ends: the head (name, input, tensor shape, raw_data's tag) and the tail.
                var at = random.Next(2) == 0 ? random.Next(Math.Min(24, wire.Length)) : wire.Length - 1 - random.Next(16);
                wire[at] = (byte)random.Next(256);
            }

            if (random.Next(8) == 0)
            {
                wire = wire[..random.Next(wire.Length)];
            }

            var parsed = Train.TryParse(Segments(wire, 4096));
            if (parsed is not null)
            {
                taken++;
                Assert.Equal(TrainRequest.Parser.ParseFrom(wire), parsed);
            }
        }

        Assert.InRange(taken, 40, 400);
    }

    /// <summary>Values whose bits a float conversion could change: -0, NaNs with payloads, subnormals, infinities.</summary>
    private static readonly float[] Special = SpecialValues(256 * 64);

    private static readonly byte[] Shape = new Tensor { Shape = { 256, 64 } }.ToByteArray();

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(4096)]
    [InlineData(7)]
    public void ALargeDataIsTakenIntoAnExactArrayOfItsOwnBitForBit(int segmentBytes)
    {
        var sent = new TrainRequest
        {
            Name = "layer-1", Input = Tensors.Data([256, 64], Special), BatchWeights = { Tensors.Sequence(256) }, RequestId = "r-7",
        };
        var wire = sent.ToByteArray();

        var parsed = Train.TryParse(Segments(wire, segmentBytes));

        Assert.NotNull(parsed);
        Assert.Empty(parsed.Input.Data);
        Assert.True(PackedData.TryGet(parsed.Input.RawData, out var bytes));
        Assert.Equal(FloatBytes(Special), bytes);
        Assert.Equal(TrainRequest.Parser.ParseFrom(wire), AsProtobufBuildsIt(parsed));
    }

    public static TheoryData<string, byte[]> DataEncodings()
    {
        var (a, b, c) = (Special[..5000], Special[5000..5001], Special[5001..]);
        return new TheoryData<string, byte[]>
        {
            { "packed, after the shape", Request(Concat(Shape, Packed(2, Special))) },
            { "packed, before the shape", Request(Concat(Packed(2, Special), Shape)) },
            { "split into packed chunks around the shape", Request(Concat(Packed(2, a), Shape, Packed(2, b), Packed(2, c))) },
            { "one fixed32 field per value", Request(Concat(Shape, Unpacked(2, Special))) },
            { "packed, unpacked and empty chunks mixed", Request(Concat(Packed(2, []), Unpacked(2, a), Shape, Packed(2, b), Packed(2, []), Packed(2, c))) },
            {
                "unknown fields in the tensor and the request",
                Concat(Unknown(9, "x"), Field(2, Concat(Shape, Unknown(7, "t"), Packed(2, Special), Tag(8, 0), Varint(300), Tag(10, 5), [1, 2, 3, 4])),
                    Field(1, "late"u8.ToArray()), Unknown(9, "y"))
            },
            { "the shape unpacked", Request(Concat(Tag(1, 0), Varint(256), Packed(2, Special), Tag(1, 0), Varint(64))) },
            { "an odd number of values", Request(Concat(new Tensor { Shape = { 1001, 1 } }.ToByteArray(), Packed(2, Special.AsSpan(0, 1001)))) },
            { "the smallest pooled length", Request(Concat(new Tensor { Shape = { 256 } }.ToByteArray(), Packed(2, Special.AsSpan(0, 256)))) },
            { "a shape the values do not fill (the service's error, not the parser's)", Request(Concat(Shape, Packed(2, a))) },
        };
    }

    [Theory]
    [MemberData(nameof(DataEncodings))]
    public void EveryEncodingOfDataIsTakenAsProtobufReadsIt(string why, byte[] wire)
    {
        var expected = TrainRequest.Parser.ParseFrom(wire);
        foreach (var segmentBytes in new[] { int.MaxValue, 4096, 3 })
        {
            var parsed = Train.TryParse(Segments(wire, segmentBytes));
            Assert.True(parsed is not null, why);
            Assert.True(PackedData.TryGet(parsed.Input.RawData, out _), why);
            Assert.Equal(expected, AsProtobufBuildsIt(parsed));
        }
    }

    [Fact]
    public void InferRequestsWithDataToo()
    {
        var wire = new InferRequest { Name = "infer", Input = Tensors.Data([256, 64], Special) }.ToByteArray();

        var parsed = Infer.TryParse(Segments(wire, 4096));

        Assert.NotNull(parsed);
        Assert.True(PackedData.TryGet(parsed.Input.RawData, out _));
        var expected = InferRequest.Parser.ParseFrom(wire);
        parsed.Input = AsProtobufBuildsIt(new TrainRequest { Input = parsed.Input }).Input;
        Assert.Equal(expected, parsed);
    }

    public static TheoryData<string, byte[]> DataLeftToProtobuf()
    {
        var small = (TensorBuffers.MinPooledBytes / sizeof(float)) - 1;
        return new TheoryData<string, byte[]>
        {
            { "data under the pooled length", Request(Concat(Shape, Packed(2, Special.AsSpan(0, small)), Unknown(9, new string('u', 2000)))) },
            { "a packed length cut mid-float", Request(Concat(Shape, Field(2, new byte[4097]))) },
            { "data as a varint too", Request(Concat(Shape, Packed(2, Special), Tag(2, 0), Varint(1))) },
            { "data as a fixed64 too", Request(Concat(Shape, Packed(2, Special), Tag(2, 1), new byte[8])) },
            { "a fixed32 value cut short", Request(Concat(Shape, Packed(2, Special), Tag(2, 5), [1, 2])) },
            { "an empty raw_data with data", Request(Concat(Shape, Packed(2, Special), Field(3, []))) },
            { "the tensor's length past the end", Concat(Tag(2, 2), Varint((ulong)Concat(Shape, Packed(2, Special)).Length + 1), Shape, Packed(2, Special)) },
        };
    }

    [Theory]
    [MemberData(nameof(DataLeftToProtobuf))]
    public void OtherDataMessagesAreLeftToProtobuf(string why, byte[] wire)
    {
        Assert.True(Train.TryParse(Segments(wire, 4096)) is null, why);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WhateverItTakesWithDataIsWhatProtobufParses(bool unpacked)
    {
        var values = Special[..1024];
        var valid = Concat(Field(1, "n"u8.ToArray()), Field(2, Concat(new Tensor { Shape = { 1024 } }.ToByteArray(),
            unpacked ? Unpacked(2, values) : Packed(2, values))), Packed(3, [1f, 2f]), Field(4, "q"u8.ToArray()));
        var random = new Random(unpacked ? 7 : 8);
        var taken = 0;
        for (var i = 0; i < 400; i++)
        {
            // Tags and lengths at both ends (name, input, shape, the first values' tags; batch_weights, request_id),
            // and in the middle for unpacked values (each has its tag).
            var wire = Flip(random, valid, tail: 24);

            if (random.Next(8) == 0)
            {
                wire = wire[..random.Next(wire.Length)];
            }

            var parsed = Train.TryParse(Segments(wire, 4096));
            if (parsed is not null)
            {
                taken++;
                Assert.Equal(TrainRequest.Parser.ParseFrom(wire), AsProtobufBuildsIt(parsed));
            }
        }

        Assert.InRange(taken, 40, 400);
    }

    /// <summary>A train request around <paramref name="tensor"/>'s bytes, with a name before it and a request_id after.</summary>
    private static byte[] Request(byte[] tensor) => Concat(Field(1, "n"u8.ToArray()), Field(2, tensor), Field(4, "r"u8.ToArray()));

    /// <summary>The message as protobuf builds it: data's values in the float list, not carried as <see cref="PackedData"/>.</summary>
    private static TrainRequest AsProtobufBuildsIt(TrainRequest parsed)
    {
        var request = parsed.Clone();
        if (PackedData.TryGet(request.Input.RawData, out var bytes))
        {
            request.Input.RawData = ByteString.Empty;
            request.Input.Data.AddRange(MemoryMarshal.Cast<byte, float>(bytes).ToArray());
        }

        return request;
    }

    private static float[] SpecialValues(int count)
    {
        float[] special =
        [
            -0f, float.NaN, BitConverter.Int32BitsToSingle(0x7FC0_1234), BitConverter.Int32BitsToSingle(unchecked((int)0xFF80_0001)),
            float.Epsilon, -float.Epsilon, BitConverter.Int32BitsToSingle(0x007F_FFFF), float.PositiveInfinity, float.NegativeInfinity,
            float.MaxValue, float.MinValue, 1e-38f,
        ];
        var values = Tensors.Sequence(count, -3f, 3.7e-4f);
        for (var i = 0; i < count; i += 97)
        {
            values[i] = special[i % special.Length];
        }

        return values;
    }
}
