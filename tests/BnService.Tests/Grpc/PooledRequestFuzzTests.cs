using System.Runtime.InteropServices;
using Bn.V1;
using BnService.Grpc;
using BnService.Layers;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Xunit.Abstractions;
using static BnService.Tests.Grpc.WireBytes;

namespace BnService.Tests.Grpc;

/// <summary>
/// Random requests with tensors of pooled sizes, in every encoding the pooled parse takes (packed <c>data</c>, packed
/// chunks, one fixed32 field a value, mixed, <c>raw_data</c>) and the ones it leaves to protobuf (both fields, a tensor
/// field twice), fields in any order, scalars repeated, unknown fields inside and out, some of them malformed, read with
/// the marshaller the service binds: each message the one <c>Parser.ParseFrom</c> builds, each malformed one refused
/// INVALID_ARGUMENT exactly when protobuf refuses it (its path answers that). Fixed seeds, so a failure repeats.
/// </summary>
public sealed class PooledRequestFuzzTests(ITestOutputHelper output)
{
    private const int Cases = 300;

    /// <summary>The fewest float32 values the pool takes a tensor's values for.</summary>
    private const int PooledValues = TensorBuffers.MinPooledBytes / sizeof(float);

    private enum Kind
    {
        Text,
        Tensor,
        Floats,
        Int32s,
        Bool,
        Double,
        Apply,
    }

    private sealed record FieldSpec(int Number, Kind Kind);

    [Fact]
    public void TrainRequests() => Fuzz<TrainRequest, TrainResponse>("Train", 101,
        new(1, Kind.Text), new(2, Kind.Tensor), new(3, Kind.Floats), new(4, Kind.Text));

    [Fact]
    public void InferRequests() => Fuzz<InferRequest, InferResponse>("Infer", 102, new(1, Kind.Text), new(2, Kind.Tensor));

    [Fact]
    public void BackwardRequests() => Fuzz<BackwardRequest, BackwardResponse>("Backward", 103,
        new(1, Kind.Text), new(2, Kind.Tensor), new(3, Kind.Tensor), new(4, Kind.Bool), new(5, Kind.Apply));

    [Fact]
    public void BatchNormalizationRequests() => Fuzz<BatchNormalizationRequest, BatchNormalizationResponse>("BatchNormalization", 104,
        new(1, Kind.Tensor), new(2, Kind.Tensor), new(3, Kind.Tensor), new(4, Kind.Tensor), new(5, Kind.Tensor), new(6, Kind.Double));

    [Fact]
    public void MomentsRequests() => Fuzz<MomentsRequest, MomentsResponse>("Moments", 105,
        new(1, Kind.Tensor), new(2, Kind.Int32s), new(3, Kind.Bool), new(4, Kind.Tensor));

    private void Fuzz<TRequest, TResponse>(string method, int seed, params FieldSpec[] fields)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class
    {
        var read = BoundMethods.Get<TRequest, TResponse>(method).RequestMarshaller.ContextualDeserializer;
        var pooled = RequestMarshallers.PooledParse(typeof(TRequest))!;
        var parser = new MessageParser<TRequest>(() => new TRequest());
        var random = new Random(seed);
        int taken = 0, parsed = 0, refused = 0;
        for (var i = 0; i < Cases; i++)
        {
            var wire = Request(random, fields);
            var malformed = random.Next(4) == 0;
            if (malformed)
            {
                wire = Malform(random, wire);
            }

            var segments = Segments(wire, random.Next(4) switch { 0 => int.MaxValue, 1 => 4096, 2 => 1000, _ => 7 });
            var what = $"{method} case {i} ({wire.Length} bytes{(malformed ? ", malformed" : "")}): {Convert.ToHexString(wire.AsSpan(0, Math.Min(48, wire.Length)))}";
            var expected = Outcome(() => parser.ParseFrom(wire));
            var actual = Outcome(() => read(new PayloadContext(segments)));
            if (expected.Message is { } message)
            {
                parsed++;
                Assert.True(actual.Message is not null, $"{what}: protobuf parses it, the service answered {actual.Error}");
                Assert.True(message.Equals(AsProtobufBuildsIt((TRequest)actual.Message)), $"{what}: not the message protobuf parses");
                taken += pooled(segments) is null ? 0 : 1;
            }
            else
            {
                refused++;
                Assert.True(expected.Error == actual.Error, $"{what}: protobuf's path answers {expected.Error}, the service {actual.Error ?? "a message"}");
            }
        }

        output.WriteLine($"{method}: {Cases} cases, {parsed} messages ({taken} through the pool), {refused} refused");
        Assert.True(taken >= Cases / 3, $"only {taken} of {Cases} cases took the pooled path");
        Assert.True(refused >= Cases / 10, $"only {refused} of {Cases} cases were refused");
    }

    /// <summary>A message, or the status the call would be refused with (INVALID_ARGUMENT for bytes that are no message).</summary>
    private static (IMessage? Message, string? Error) Outcome(Func<object> parse)
    {
        try
        {
            return ((IMessage)parse(), null);
        }
        catch (InvalidProtocolBufferException)
        {
            return (null, StatusCode.InvalidArgument.ToString());
        }
        catch (RpcException e)
        {
            return (null, e.StatusCode.ToString());
        }
        catch (Exception e)
        {
            return (null, e.GetType().Name);
        }
    }

    /// <summary>The request's fields in a random order, some set twice, some left out, with unknown fields between them.</summary>
    private static byte[] Request(Random random, FieldSpec[] fields)
    {
        var parts = new List<byte[]>();
        foreach (var field in fields)
        {
            // A tensor is mostly there (it is what the pool is for); a scalar often not.
            var present = field.Kind == Kind.Tensor ? random.Next(8) != 0 : random.Next(3) != 0;
            if (present)
            {
                parts.Add(Encode(random, field));
                if (random.Next(12) == 0)
                {
                    // Set twice: protobuf merges a message, concatenates a list, keeps a scalar's last value.
                    parts.Add(Encode(random, field));
                }
            }
        }

        for (var unknown = random.Next(3); unknown > 0; unknown--)
        {
            parts.Add(UnknownField(random));
        }

        Shuffle(random, parts);
        return Concat([.. parts]);
    }

    private static byte[] Encode(Random random, FieldSpec field) => field.Kind switch
    {
        Kind.Text => Field(field.Number, System.Text.Encoding.UTF8.GetBytes(random.Next(4) == 0 ? "" : $"layer-{random.Next(1000)}")),
        Kind.Tensor => Field(field.Number, TensorBytes(random)),
        Kind.Floats => random.Next(2) == 0 ? Packed(field.Number, Values(random, random.Next(1, 40))) : Unpacked(field.Number, Values(random, random.Next(1, 10))),
        Kind.Int32s => Field(field.Number, Concat([.. Enumerable.Range(0, random.Next(1, 4)).Select(_ => Varint((ulong)random.Next(-2, 4)))])),
        Kind.Bool => Concat(Tag(field.Number, 0), Varint((ulong)random.Next(2))),
        Kind.Double => Concat(Tag(field.Number, 1), BitConverter.GetBytes(random.NextDouble())),
        Kind.Apply => Field(field.Number, Concat(Tag(1, 1), BitConverter.GetBytes(random.NextDouble()))),
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };

    /// <summary>A tensor: its shape and its values in one of the encodings, in any order, maybe with unknown fields.</summary>
    private static byte[] TensorBytes(Random random)
    {
        // Mostly pooled sizes, from the smallest one up; sometimes one just under it or a few channels' worth.
        var count = random.Next(10) switch
        {
            0 => PooledValues,
            1 => PooledValues - 1,
            2 => random.Next(1, 64),
            3 => PooledValues + random.Next(1, 8),
            _ => random.Next(PooledValues, 4 * PooledValues),
        };
        var values = Values(random, count);
        var parts = new List<byte[]>();
        parts.Add(random.Next(2) == 0
            ? Field(1, Varint((ulong)count))
            : Concat(Tag(1, 0), Varint((ulong)count)));
        switch (random.Next(10))
        {
            case 0:
            case 1:
                parts.Add(Packed(2, values));
                break;
            case 2:
                // Packed chunks, some empty: protobuf concatenates them in order.
                parts.AddRange(Chunks(random, values).Select(c => Packed(2, c)));
                break;
            case 3:
                parts.Add(Unpacked(2, values));
                break;
            case 4:
                parts.AddRange(Chunks(random, values).Select(c => random.Next(2) == 0 ? Packed(2, c) : Unpacked(2, c)));
                break;
            case 5:
            case 6:
            case 7:
                parts.Add(Field(3, FloatBytes(values)));
                break;
            case 8:
                // Both fields: left to protobuf.
                parts.Add(Field(3, FloatBytes(values)));
                parts.Add(Packed(2, random.Next(2) == 0 ? values : values.AsSpan(0, Math.Min(4, values.Length))));
                break;
            default:
                // raw_data twice: protobuf keeps the last.
                parts.Add(Field(3, FloatBytes(values)));
                parts.Add(Field(3, FloatBytes(Values(random, count))));
                break;
        }

        for (var unknown = random.Next(3) == 0 ? random.Next(1, 3) : 0; unknown > 0; unknown--)
        {
            parts.Add(UnknownField(random));
        }

        // Any order: protobuf keeps the order of data's values among themselves, whichever fields come between.
        Shuffle(random, parts);
        return Concat([.. parts]);
    }

    private static List<float[]> Chunks(Random random, float[] values)
    {
        var chunks = new List<float[]>();
        var at = 0;
        for (var n = random.Next(2, 6); n > 1 && at < values.Length; n--)
        {
            var length = random.Next(0, values.Length - at);
            chunks.Add(values[at..(at + length)]);
            at += length;
        }

        chunks.Add(values[at..]);
        return chunks;
    }

    /// <summary>Random floats with special bit patterns among them: -0, NaNs with payloads, subnormals, infinities.</summary>
    private static float[] Values(Random random, int count)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = random.Next(16) == 0
                ? BitConverter.Int32BitsToSingle(random.Next(5) switch
                {
                    0 => unchecked((int)0x8000_0000),
                    1 => 0x7FC0_1234,
                    2 => unchecked((int)0xFF80_0001),
                    3 => 0x0000_0001,
                    _ => 0x7F80_0000,
                })
                : (float)((random.NextDouble() * 8) - 4);
        }

        return values;
    }

    /// <summary>A field the message does not declare, of any wire type: protobuf keeps it, and so must the pooled parse.</summary>
    private static byte[] UnknownField(Random random)
    {
        var number = random.Next(9, 3000);
        return random.Next(4) switch
        {
            0 => Concat(Tag(number, 0), Varint((ulong)random.NextInt64())),
            1 => Concat(Tag(number, 1), BitConverter.GetBytes(random.NextInt64())),
            2 => Concat(Tag(number, 5), BitConverter.GetBytes(random.Next())),
            _ => Unknown(number, new string('u', random.Next(0, 40))),
        };
    }

    /// <summary>The bytes with a fault: cut short, a byte changed, a field past the end, a bad tag, text that is no UTF-8...</summary>
    private static byte[] Malform(Random random, byte[] wire) => random.Next(9) switch
    {
        0 => wire[..random.Next(wire.Length)],
        1 => Flip(random, wire),
        2 => Concat(wire, Tag(random.Next(1, 7), 2), Varint((ulong)random.Next(2, 5000)), [1]),
        3 => Concat(wire, Field(1, [0x6C, 0xFF, 0xFE])),
        4 => Concat(wire, Tag(random.Next(1, 12), random.Next(6, 8)), [0, 0, 0, 0]),
        5 => Insert(random, wire, Concat(Tag(0, 0), Varint(1))),
        6 => Concat(wire, Tag(random.Next(1, 12), 0), Enumerable.Repeat((byte)0xFF, 11).ToArray()),
        7 => Concat(wire, Tag(random.Next(1, 12), 4)),
        _ => Concat(wire, BrokenTensor(random)),
    };

    /// <summary>A tensor field whose length is right and whose inside is not: a value cut mid-float, a field past its end.</summary>
    private static byte[] BrokenTensor(Random random)
    {
        var values = FloatBytes(Values(random, PooledValues + random.Next(0, 64)));
        var inside = random.Next(3) switch
        {
            0 => Field(2, values[..^random.Next(1, 4)]),
            1 => Concat(Field(3, values)[..^random.Next(1, 40)]),
            _ => Concat(Unpacked(2, MemoryMarshal.Cast<byte, float>(values)), Tag(2, 5), [1, 2]),
        };
        return Field(random.Next(1, 4), inside);
    }

    private static byte[] Flip(Random random, byte[] wire) => wire.Length == 0 ? [0xFF] : WireBytes.Flip(random, wire);

    private static byte[] Insert(Random random, byte[] wire, byte[] inserted)
    {
        var at = random.Next(wire.Length + 1);
        return Concat(wire[..at], inserted, wire[at..]);
    }

    private static void Shuffle<T>(Random random, List<T> items)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>The message as protobuf builds it: every tensor's <c>data</c> in its float list, not carried as <see cref="PackedData"/>.</summary>
    private static TRequest AsProtobufBuildsIt<TRequest>(TRequest parsed)
        where TRequest : IMessage<TRequest>
    {
        var request = parsed.Clone();
        foreach (var field in request.Descriptor.Fields.InFieldNumberOrder())
        {
            if (field.FieldType == FieldType.Message && field.MessageType == Tensor.Descriptor
                && field.Accessor.GetValue(request) is Tensor tensor && PackedData.TryGet(tensor.RawData, out var bytes))
            {
                Assert.Empty(tensor.Data);
                tensor.RawData = ByteString.Empty;
                tensor.Data.AddRange(MemoryMarshal.Cast<byte, float>(bytes).ToArray());
            }
        }

        return request;
    }
}
