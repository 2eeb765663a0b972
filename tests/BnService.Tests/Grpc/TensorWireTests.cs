using System.Runtime.InteropServices;
using Bn.V1;
using BnService.Grpc;
using BnService.Layers;
using Google.Protobuf;

namespace BnService.Tests.Grpc;

/// <summary>The raw_data path and data read into a pooled array take and give bytes by reference; data that protobuf parsed converts once.</summary>
public sealed class TensorWireTests
{
    private readonly TensorWire _wire = new(1 << 20);

    [Fact]
    public void ParsedRawDataIsTakenWithoutACopy()
    {
        var sent = new TrainRequest { Name = "n", Input = Tensors.Raw([2, 3], Tensors.Sequence(6)) };
        var parsed = TrainRequest.Parser.ParseFrom(sent.ToByteArray());

        var (tensor, encoding) = _wire.Read(parsed.Input, "input");

        Assert.Equal(TensorEncoding.RawData, encoding);
        Assert.True(MemoryMarshal.TryGetArray(parsed.Input.RawData.Memory, out var segment));
        Assert.Same(segment.Array, tensor.Bytes);
        Assert.Equal(Tensors.Sequence(6), tensor.Values.ToArray());
    }

    [Fact]
    public void AnAnswerInTheRequestsTensorDropsFieldsTheServiceDoesNotKnow()
    {
        // A newer client's tensor with a field 9 this service does not know.
        var known = Tensors.Raw([2, 1], Tensors.Sequence(2)).ToByteArray();
        var request = Bn.V1.Tensor.Parser.ParseFrom([.. known, 9 << 3, 7]);
        Assert.NotEqual(known.Length, request.CalculateSize());

        var answer = TensorWire.Answer(request, TensorData.FromFloats(BnEngine.TensorShape.Create([2L, 1L], "t"), [5f, 6f]), TensorEncoding.RawData);

        Assert.Equal(known.Length, answer.CalculateSize());
        Assert.Equal([5f, 6f], MemoryMarshal.Cast<byte, float>(answer.RawData.Span).ToArray());
    }

    [Fact]
    public void RawResponsesWrapTheBytesWithoutACopy()
    {
        var tensor = TensorData.FromFloats(BnEngine.TensorShape.Create([3L, 1L], "t"), Tensors.Sequence(3));

        var written = TensorWire.Write(tensor, TensorEncoding.RawData);

        Assert.True(MemoryMarshal.TryGetArray(written.RawData.Memory, out var segment));
        Assert.Same(tensor.Bytes, segment.Array);
        Assert.Equal([3L, 1L], written.Shape);
    }

    [Fact]
    public void DataIsConvertedToLittleEndianBytes()
    {
        var (tensor, encoding) = _wire.Read(Tensors.Data([2, 2], [1f, -2f, 0.5f, 3e-8f]), "input");

        Assert.Equal(TensorEncoding.Data, encoding);
        Assert.Equal(BitConverter.GetBytes(-2f), tensor.Bytes[4..8]);
        var written = TensorWire.Write(tensor, TensorEncoding.Data);
        Assert.Equal([1f, -2f, 0.5f, 3e-8f], written.Data);
        Assert.True(written.RawData.IsEmpty);
    }

    [Fact]
    public void DataAnswersGoIntoTheRequestsOwnFloatArray()
    {
        var request = Tensors.Data([2, 2], [1f, 2f, 3f, 4f]);
        var values = request.Data;
        var output = TensorData.FromFloats(BnEngine.TensorShape.Create([2L, 2L], "t"), [-1f, 0.5f, 3e-8f, 7f]);

        var answer = TensorWire.Answer(request, output, TensorEncoding.Data);

        Assert.Same(request, answer);
        Assert.Same(values, answer.Data);
        Assert.Equal([-1f, 0.5f, 3e-8f, 7f], answer.Data);
        Assert.Equal([2L, 2L], answer.Shape);
        Assert.True(answer.RawData.IsEmpty);
    }

    [Fact]
    public void RawAnswersWrapTheOutputInTheRequestsTensor()
    {
        var request = Tensors.Raw([3, 1], [1f, 2f, 3f]);
        var output = TensorData.FromFloats(BnEngine.TensorShape.Create([3L, 1L], "t"), Tensors.Sequence(3));

        var answer = TensorWire.Answer(request, output, TensorEncoding.RawData);

        Assert.Same(request, answer);
        Assert.True(MemoryMarshal.TryGetArray(answer.RawData.Memory, out var segment));
        Assert.Same(output.Bytes, segment.Array);
        Assert.Empty(answer.Data);
        Assert.Equal([3L, 1L], answer.Shape);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnOutputOfAnotherShapeGetsATensorOfItsOwn(bool raw)
    {
        var request = Tensors.Of([4, 1], [1f, 2f, 3f, 4f], raw);
        var output = TensorData.FromFloats(BnEngine.TensorShape.Create([2L, 2L], "t"), [5f, 6f, 7f, 8f]);

        var answer = TensorWire.Answer(request, output, raw ? TensorEncoding.RawData : TensorEncoding.Data);

        Assert.NotSame(request, answer);
        Assert.Equal([2L, 2L], answer.Shape);
        Assert.Equal([5f, 6f, 7f, 8f], Tensors.Values(answer));
        Assert.Equal([1f, 2f, 3f, 4f], Tensors.Values(request));
    }

    [Fact]
    public void PackedDataIsTakenAsDataWithoutACopy()
    {
        var bytes = WireBytes.FloatBytes([1f, -0f, float.NaN, 4f]);

        var (tensor, encoding) = _wire.Read(new Tensor { Shape = { 2, 2 }, RawData = PackedData.Wrap(bytes) }, "input");

        Assert.Equal(TensorEncoding.Data, encoding);
        Assert.Same(bytes, tensor.Bytes);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void PackedDataOfAnotherLengthIsRefusedAsDataIs(int count)
    {
        var packed = new Tensor { Shape = { 2, 2 }, RawData = PackedData.Wrap(new byte[count * sizeof(float)]) };
        var listed = Tensors.Data([2, 2], new float[count]);

        var error = Assert.Throws<BnEngine.InvalidShapeException>(() => _wire.Read(packed, "input"));
        var expected = Assert.Throws<BnEngine.InvalidShapeException>(() => _wire.Read(listed, "input"));

        Assert.Equal(expected.Message, error.Message);
        Assert.Equal("input.data", error.Field);
    }

    [Fact]
    public void PackedDataAnswersWrapTheOutputInTheRequestsTensor()
    {
        var request = Bn.V1.Tensor.Parser.ParseFrom([.. new Tensor { Shape = { 3, 1 } }.ToByteArray(), 9 << 3, 7]);
        request.RawData = PackedData.Wrap(new byte[12]);
        var output = TensorData.FromFloats(BnEngine.TensorShape.Create([3L, 1L], "t"), Tensors.Sequence(3));

        var answer = TensorWire.Answer(request, output, TensorEncoding.Data);

        Assert.Same(request, answer);
        Assert.True(PackedData.TryGet(answer.RawData, out var bytes));
        Assert.Same(output.Bytes, bytes);
        Assert.Empty(answer.Data);
        Assert.Equal(new Tensor { Shape = { 3, 1 } }.CalculateSize() + 14, answer.CalculateSize());
    }

    [Fact]
    public void AShapeOverTheLimitIsRefusedBeforeItsValuesAreRead()
    {
        var wire = new TensorWire(16);
        var error = Assert.Throws<ServiceException>(() => wire.Read(new Tensor { Shape = { 1L << 20, 1L << 10 }, RawData = ByteString.CopyFrom(1, 2, 3, 4) }, "x"));
        Assert.Equal(ServiceErrorKind.TooLarge, error.Kind);
        Assert.Equal("x", error.Field);
    }
}
