using BenchmarkDotNet.Attributes;

namespace BnEngine.Benchmarks;

/// <summary>A latency-bound training forward: NHWC [32, 64] on one thread (far below the fan-out threshold).</summary>
[MemoryDiagnoser(false)]
public class SmallBatchBenchmarks
{
    private readonly TensorShape _shape = TensorShape.Create([32, 64], "input");
    private float[] _input = [];
    private float[] _output = [];
    private BatchNormLayer _layer = null!;

    [GlobalSetup]
    public void Setup()
    {
        _input = BenchData.Random(_shape.ElementCount, 3, mean: 3, spread: 2);
        _output = new float[_shape.ElementCount];
        _layer = new BatchNormLayer(BenchData.Config(Layout.Nhwc, channels: 64));
    }

    [Benchmark]
    public TrainResult TrainForwardSmall() => _layer.Train(_shape, _input, _output);
}
