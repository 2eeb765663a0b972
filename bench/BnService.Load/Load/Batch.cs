using System.Runtime.InteropServices;
using System.Text.Json;
using Bn.V1;
using Google.Protobuf;

namespace BnService.Load.Load;

/// <summary>
/// One batch size of the run: NHWC <c>[Rows, Channels]</c> float32, seeded random values in [-2, 2], in every encoding
/// the scenarios send (raw bytes, JSON body, protobuf <c>data</c> and <c>raw_data</c>). Built once, sent many times.
/// </summary>
public sealed class Batch
{
    public const int Channels = 64;

    public Batch(string label, int rows)
    {
        Label = label;
        Rows = rows;
        var random = new Random(42);
        Values = new float[rows * Channels];
        for (var i = 0; i < Values.Length; i++)
        {
            Values[i] = (float)(random.NextDouble() * 4 - 2);
        }

        Bytes = MemoryMarshal.AsBytes(Values.AsSpan()).ToArray();
        JsonTrainBody = TrainJson(Values, rows);
    }

    /// <summary>8kb ([32, 64]), 1mb ([4096, 64]), 16mb ([65536, 64]).</summary>
    public static IReadOnlyList<Batch> Standard(IReadOnlyCollection<string>? only)
    {
        (string Label, int Rows)[] all = [("8kb", 32), ("1mb", 4096), ("16mb", 65536)];
        return [.. all.Where(s => only is null || only.Contains(s.Label)).Select(s => new Batch(s.Label, s.Rows))];
    }

    public string Label { get; }
    public int Rows { get; }
    public float[] Values { get; }

    /// <summary>Little-endian float32 values: the binary REST body and gRPC <c>raw_data</c>.</summary>
    public byte[] Bytes { get; }

    /// <summary><c>{"input": {"shape": [...], "data": [...]}}</c>, each value in its shortest round-trip form.</summary>
    public byte[] JsonTrainBody { get; }

    public string ShapeHeader => $"{Rows},{Channels}";

    /// <summary>A fresh tensor message (each caller has its own: messages are not shared between concurrent calls).</summary>
    public Tensor ToTensor(bool raw)
    {
        var tensor = new Tensor { Shape = { Rows, Channels } };
        if (raw)
        {
            tensor.RawData = UnsafeByteOperations.UnsafeWrap(Bytes);
        }
        else
        {
            tensor.Data.AddRange(Values);
        }

        return tensor;
    }

    private static byte[] TrainJson(float[] values, int rows)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteStartObject("input");
            json.WriteStartArray("shape");
            json.WriteNumberValue(rows);
            json.WriteNumberValue(Channels);
            json.WriteEndArray();
            json.WriteStartArray("data");
            foreach (var v in values)
            {
                json.WriteNumberValue(v);
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return stream.ToArray();
    }
}
