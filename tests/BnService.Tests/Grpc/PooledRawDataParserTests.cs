using System.Buffers;
using System.Runtime.InteropServices;
using Bn.V1;
using BnService.Grpc;
using BnService.Layers;
using Google.Protobuf;

namespace BnService.Tests.Grpc;

/// <summary>
/// A large raw_data is read into an exact array of its own, and the message is the one protobuf parses; every other
/// message is left to protobuf (null).
/// </summary>
public sealed class PooledRawDataParserTests
{
    /// <summary>[256, 64] float32: 64 KiB, over the smallest pooled length.</summary>
    private static readonly float[] Batch = Tensors.Sequence(256 * 64, -2f, 1e-4f);

    /// <summary>The most float32 values under <see cref="TensorBuffers.MinPooledBytes"/>.</summary>
    private const int Small = (TensorBuffers.MinPooledBytes / sizeof(float)) - 1;

    private static readonly PooledRawDataParser<TrainRequest> Train = new(TrainRequest.Parser, TrainRequest.InputFieldNumber, (r, t) => r.Input = t);

    private static readonly PooledRawDataParser<InferRequest> Infer = new(InferRequest.Parser, InferRequest.InputFieldNumber, (r, t) => r.Input = t);

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
            { "data", new TrainRequest { Name = "n", Input = Tensors.Data([256, 64], Batch) }.ToByteArray() },
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

    private static ReadOnlySequence<byte> Segments(byte[] bytes, int segmentBytes)
    {
        if (segmentBytes >= bytes.Length)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        Segment? first = null;
        Segment? last = null;
        for (var at = 0; at < bytes.Length; at += segmentBytes)
        {
            var next = new Segment(bytes.AsMemory(at, Math.Min(segmentBytes, bytes.Length - at)), at);
            first ??= next;
            last?.Append(next);
            last = next;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private static byte[] Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);

        return [.. bytes];
    }

    private static byte[] Unknown(int fieldNumber, string text)
    {
        var utf8 = System.Text.Encoding.UTF8.GetBytes(text);
        return Concat(Tag(fieldNumber, 2), Varint((ulong)utf8.Length), utf8);
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void Append(Segment next) => Next = next;
    }
}
