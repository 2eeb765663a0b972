using BenchmarkDotNet.Attributes;
using BnEngine.Kernels;
using Microsoft.ML.OnnxRuntime;

namespace BnEngine.Benchmarks;

/// <summary>
/// The layer's forward and backward passes at 64 MiB of float32 (beyond the cache), each against a copy of the
/// same bytes in the same run, and ONNX Runtime's BatchNormalization (inference) on the same data as a peer.
/// </summary>
[MemoryDiagnoser(false)]
public class LayerBandwidthBenchmarks
{
    private float[] _input = [];
    private float[] _output = [];
    private float[] _gradOutput = [];
    private float[] _gradInput = [];
    private double[] _mean = [];
    private double[] _variance = [];
    private TensorShape _shape = null!;
    private ChannelLayout _channelLayout;
    private BatchNormLayer _layer = null!;
    private OnnxPeer? _onnx;

    [Params(Layout.Nchw, Layout.Nhwc)]
    public Layout Layout { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var dims = BenchData.Shape(Layout);
        _shape = TensorShape.Create(dims, "input");
        var count = _shape.ElementCount;
        _input = BenchData.Random(count, 1, mean: 3, spread: 2);
        _gradOutput = BenchData.Random(count, 2);
        _output = GC.AllocateArray<float>(count, pinned: true);
        _gradInput = GC.AllocateArray<float>(count, pinned: true);
        _mean = new double[BenchData.Channels];
        _variance = new double[BenchData.Channels];
        _channelLayout = ChannelLayout.Of(_shape, Layout == Layout.Nchw ? DataFormat.Nchw : DataFormat.Nhwc);
        _layer = new BatchNormLayer(BenchData.Config(Layout));
        _layer.Train(_shape, _input, _output);
        _onnx = new OnnxPeer(_layer, dims, _input, _output);
        _onnx.Check();
    }

    [GlobalCleanup]
    public void Cleanup() => _onnx?.Dispose();

    [Benchmark(Baseline = true)]
    public void Memcpy() => _input.AsSpan().CopyTo(_output);

    [Benchmark]
    public TrainResult TrainForward() => _layer.Train(_shape, _input, _output);

    [Benchmark]
    public void InferForward() => _layer.Infer(_shape, _input, _output);

    [Benchmark]
    public BackwardResult Backward() => _layer.Backward(_shape, _input, _gradOutput, _gradInput, isTraining: true, learningRate: null);

    [Benchmark]
    public void OnnxRuntimeInfer() => _onnx!.Run();

    [Benchmark]
    public void KernelMoments() => ChannelKernels.Moments(_input, _channelLayout, _mean, _variance);

    [Benchmark]
    public void KernelAffine() => ChannelKernels.Affine(_input, _output, _channelLayout, _mean, _variance, _mean);

    /// <summary>ONNX Runtime on the layer's current inference parameters, reading and writing the benchmark's own arrays.</summary>
    private sealed class OnnxPeer : IDisposable
    {
        private readonly InferenceSession _session;
        private readonly RunOptions _runOptions = new();
        private readonly OrtValue _x;
        private readonly OrtValue _y;
        private readonly float[] _output;
        private readonly float[] _expected;
        private readonly string[] _inputNames = ["X"];
        private readonly string[] _outputNames = ["Y"];

        public OnnxPeer(BatchNormLayer layer, int[] dims, float[] input, float[] output)
        {
            var state = layer.CaptureState();
            var shape = dims.Select(d => (long)d).ToArray();
            // ONNX's channel axis is 1: NHWC [rows, C] is ONNX's (N, C).
            var model = OnnxBatchNormModel.Build(shape, ToFloat(state.Gamma), ToFloat(state.Beta), ToFloat(state.MovingMean),
                ToFloat(state.MovingVariance), (float)layer.Config.Epsilon);
            _session = new InferenceSession(model, new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL });
            _x = OrtValue.CreateTensorValueFromMemory(input, shape);
            _y = OrtValue.CreateTensorValueFromMemory(output, shape);
            _output = output;
            _expected = new float[output.Length];
            layer.Infer(TensorShape.Create(dims, "input"), input, _expected);
        }

        public void Run() => _session.Run(_runOptions, _inputNames, [_x], _outputNames, [_y]);

        /// <summary>Both implementations must compute the same thing before their speed is compared.</summary>
        public void Check()
        {
            Run();
            for (var i = 0; i < _output.Length; i += 997)
            {
                if (Math.Abs(_output[i] - _expected[i]) > 1e-4 * Math.Max(1, Math.Abs(_expected[i])))
                {
                    throw new InvalidOperationException($"ONNX Runtime and the layer disagree at {i}: {_output[i]} vs {_expected[i]}");
                }
            }
        }

        public void Dispose()
        {
            _x.Dispose();
            _y.Dispose();
            _runOptions.Dispose();
            _session.Dispose();
        }

        private static float[] ToFloat(double[] values) => values.Select(v => (float)v).ToArray();
    }
}
