using System.Runtime.InteropServices;

namespace BnEngine.Benchmarks;

/// <summary>
/// A one-node ONNX model (opset 15): Y = BatchNormalization(X, scale, B, mean, var) with the four parameters as
/// initializers. Field numbers are those of onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto,
/// TensorProto, ValueInfoProto, TypeProto, TensorShapeProto).
/// </summary>
internal static class OnnxBatchNormModel
{
    private const int FloatType = 1;

    public static byte[] Build(long[] shape, float[] scale, float[] bias, float[] mean, float[] variance, float epsilon)
        => new ProtoWriter()
            .Varint(1, 8) // ir_version
            .String(2, "BnEngine.Benchmarks") // producer_name
            .Message(7, graph => graph // graph
                .Message(1, node => node
                    .String(1, "X").String(1, "scale").String(1, "B").String(1, "mean").String(1, "var")
                    .String(2, "Y")
                    .String(3, "bn")
                    .String(4, "BatchNormalization")
                    .Message(5, attribute => attribute.String(1, "epsilon").Float(2, epsilon).Varint(20, 1))) // type FLOAT
                .String(2, "batch_norm")
                .Message(5, t => Tensor(t, "scale", scale))
                .Message(5, t => Tensor(t, "B", bias))
                .Message(5, t => Tensor(t, "mean", mean))
                .Message(5, t => Tensor(t, "var", variance))
                .Message(11, v => ValueInfo(v, "X", shape))
                .Message(12, v => ValueInfo(v, "Y", shape)))
            .Message(8, opset => opset.String(1, "").Varint(2, 15)) // opset_import
            .ToArray();

    private static void Tensor(ProtoWriter t, string name, float[] values)
        => t.Varint(1, values.Length).Varint(2, FloatType).String(8, name).Bytes(9, MemoryMarshal.AsBytes(values.AsSpan()));

    private static void ValueInfo(ProtoWriter v, string name, long[] shape)
        => v.String(1, name).Message(2, type => type
            .Message(1, tensor => tensor
                .Varint(1, FloatType)
                .Message(2, s =>
                {
                    foreach (var d in shape)
                    {
                        s.Message(1, dim => dim.Varint(1, d));
                    }
                })));
}
