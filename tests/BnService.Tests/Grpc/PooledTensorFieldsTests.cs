using System.Runtime.InteropServices;
using Bn.V1;
using BnService.Grpc;
using BnService.Layers;
using Google.Protobuf;
using static BnService.Tests.Grpc.WireBytes;

namespace BnService.Tests.Grpc;

/// <summary>
/// Requests with several tensors (backward's input and grad_output, the stateless ops' operands), as the service reads
/// them: each large tensor in an exact array of its own, a small one left in the message protobuf parses, and the
/// message always the one protobuf parses; a tensor field repeated leaves the whole message to protobuf.
/// </summary>
public sealed class PooledTensorFieldsTests
{
    private static readonly float[] Large = Tensors.Sequence(256 * 64, -2f, 1e-4f);
    private static readonly float[] Other = Tensors.Sequence(256 * 64, 3f, -2e-4f);
    private static readonly float[] Small = Tensors.Sequence(64);

    private static readonly Func<System.Buffers.ReadOnlySequence<byte>, BackwardRequest?> Backward = Parser<BackwardRequest>();
    private static readonly Func<System.Buffers.ReadOnlySequence<byte>, BatchNormalizationRequest?> Normalization = Parser<BatchNormalizationRequest>();

    public static TheoryData<bool, bool> Encodings => new() { { false, false }, { false, true }, { true, false }, { true, true } };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void BothBackwardTensorsAreTakenEachIntoItsOwnArray(bool rawInput, bool rawGrad)
    {
        var wire = new BackwardRequest
        {
            Name = "layer", Input = Tensors.Of([256, 64], Large, rawInput), GradOutput = Tensors.Of([256, 64], Other, rawGrad),
            IsTraining = false, Apply = new BackwardApply { LearningRate = 0.5 },
        }.ToByteArray();

        var parsed = Backward(Segments(wire, 4096));

        Assert.NotNull(parsed);
        var input = Values(parsed.Input);
        var grad = Values(parsed.GradOutput);
        Assert.NotSame(input, grad);
        Assert.Equal(Large, MemoryMarshal.Cast<byte, float>(input).ToArray());
        Assert.Equal(Other, MemoryMarshal.Cast<byte, float>(grad).ToArray());
        Assert.Equal(rawInput, !PackedData.TryGet(parsed.Input.RawData, out _));
        Assert.Equal(rawGrad, !PackedData.TryGet(parsed.GradOutput.RawData, out _));
        Assert.Equal(BackwardRequest.Parser.ParseFrom(wire).Name, parsed.Name);
        Assert.False(parsed.IsTraining);
        Assert.Equal(0.5, parsed.Apply.LearningRate);
    }

    [Fact]
    public void FieldsInAnyOrderWithUnknownFieldsGiveProtobufsMessage()
    {
        var input = new BackwardRequest { Input = Tensors.Raw([256, 64], Large) }.ToByteArray();
        var grad = new BackwardRequest { GradOutput = Tensors.Raw([256, 64], Other) }.ToByteArray();
        var rest = new BackwardRequest { Name = "late", IsTraining = true }.ToByteArray();
        var unknown = Concat(Tag(9, 2), Varint(4), "kept"u8.ToArray());
        var wire = Concat(unknown, grad, rest, input, unknown);

        Assert.Equal(BackwardRequest.Parser.ParseFrom(wire), Backward(Segments(wire, 7)));
    }

    [Fact]
    public void ASmallTensorStaysWithProtobufTheLargeOnesAreTaken()
    {
        var wire = new BatchNormalizationRequest
        {
            X = Tensors.Data([256, 64], Large), Mean = Tensors.Data([64], Small), Variance = Tensors.Raw([64], Small),
            Scale = Tensors.Raw([256, 64], Other), VarianceEpsilon = 1e-3,
        }.ToByteArray();

        var parsed = Normalization(Segments(wire, 4096));

        Assert.NotNull(parsed);
        Assert.True(PackedData.TryGet(parsed.X.RawData, out _));
        Assert.Equal(Small, parsed.Mean.Data);
        Assert.Equal(Tensors.Raw([64], Small).RawData, parsed.Variance.RawData);
        Assert.Null(parsed.Offset);
        Assert.Equal(Other, MemoryMarshal.Cast<byte, float>(Values(parsed.Scale)).ToArray());
        Assert.Equal(1e-3, parsed.VarianceEpsilon);
    }

    public static TheoryData<string, byte[]> LeftToProtobuf()
    {
        var input = new BackwardRequest { Name = "n", Input = Tensors.Raw([256, 64], Large) }.ToByteArray();
        var grad = new BackwardRequest { GradOutput = Tensors.Raw([256, 64], Other) }.ToByteArray();
        return new TheoryData<string, byte[]>
        {
            { "no tensor", new BackwardRequest { Name = "n" }.ToByteArray() },
            { "only small tensors", new BackwardRequest { Name = "n", Input = Tensors.Raw([64], Small), GradOutput = Tensors.Data([64], Small) }.ToByteArray() },
            { "grad_output twice", Concat(input, grad, grad) },
            { "input as a varint too", Concat(input, grad, Tag(2, 0), Varint(1)) },
            { "cut short", Concat(input, grad)[..^1] },
        };
    }

    [Theory]
    [MemberData(nameof(LeftToProtobuf))]
    public void OtherMessagesAreLeftToProtobuf(string why, byte[] wire)
    {
        Assert.True(Backward(Segments(wire, 4096)) is null, why);
    }

    [Fact]
    public void WhateverItTakesIsWhatProtobufParses()
    {
        var valid = new BackwardRequest { Name = "n", Input = Tensors.Raw([256, 64], Large), GradOutput = Tensors.Data([256, 64], Other) }.ToByteArray();
        var random = new Random(11);
        var taken = 0;
        for (var i = 0; i < 300; i++)
        {
            var wire = (byte[])valid.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                // Tags and lengths: the head (name, input's), the middle (grad_output's), the tail.
                var at = random.Next(3) switch
                {
                    0 => random.Next(24),
                    1 => (valid.Length / 2) + random.Next(-8, 24),
                    _ => wire.Length - 1 - random.Next(16),
                };
                wire[at] = (byte)random.Next(256);
            }

            var parsed = Backward(Segments(wire, 4096));
            if (parsed is not null)
            {
                taken++;
                var expected = BackwardRequest.Parser.ParseFrom(wire);
                Assert.Equal(expected.Name, parsed.Name);
                Assert.Equal(Floats(expected.Input), Floats(parsed.Input));
                Assert.Equal(Floats(expected.GradOutput), Floats(parsed.GradOutput));
                Assert.Equal(expected.Input?.Shape, parsed.Input?.Shape);
                Assert.Equal(expected.GradOutput?.Shape, parsed.GradOutput?.Shape);
            }
        }

        Assert.InRange(taken, 30, 300);
    }

    /// <summary>The bytes a parsed tensor's values are in (raw_data's own array, or data's pooled one).</summary>
    private static byte[] Values(Tensor tensor)
    {
        Assert.True(MemoryMarshal.TryGetArray(tensor.RawData.Memory, out var segment));
        Assert.Equal(0, segment.Offset);
        Assert.Equal(segment.Array!.Length, segment.Count);
        return segment.Array;
    }

    /// <summary>A tensor's values however they came: data (protobuf's list or a pooled array) or raw_data.</summary>
    private static float[]? Floats(Tensor? tensor) => tensor is null ? null
        : tensor.Data.Count > 0 ? [.. tensor.Data]
        : MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();

    /// <summary>The pooled parse the service reads <typeparamref name="T"/> with (null: left to protobuf).</summary>
    private static Func<System.Buffers.ReadOnlySequence<byte>, T?> Parser<T>()
        where T : class
    {
        var parse = RequestMarshallers.PooledParse(typeof(T))!;
        return payload => (T?)parse(payload);
    }
}
