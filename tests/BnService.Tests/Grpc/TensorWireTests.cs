using System.Runtime.InteropServices;
using Bn.V1;
using BnService.Grpc;
using BnService.Layers;
using Google.Protobuf;

namespace BnService.Tests.Grpc;

/// <summary>The raw_data path takes and gives bytes by reference; data converts once.</summary>
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
    public void AShapeOverTheLimitIsRefusedBeforeItsValuesAreRead()
    {
        var wire = new TensorWire(16);
        var error = Assert.Throws<ServiceException>(() => wire.Read(new Tensor { Shape = { 1L << 20, 1L << 10 }, RawData = ByteString.CopyFrom(1, 2, 3, 4) }, "x"));
        Assert.Equal(ServiceErrorKind.TooLarge, error.Kind);
        Assert.Equal("x", error.Field);
    }
}
