using System.Diagnostics;
using BnEngine.Kernels;

namespace BnEngine.Benchmarks;

/// <summary>
/// A quick, noise-tolerant look at where time goes (not part of the table): each round times a copy and then each
/// step once, back to back in the same process, and reports the median over rounds of step time / copy time, so
/// a busy machine slows both alike. <c>dotnet BnEngine.Benchmarks.dll --diag [rounds]</c>.
/// </summary>
internal static class Diagnostic
{
    public static void Run(int rounds, TextWriter output)
    {
        foreach (var layout in new[] { Layout.Nchw, Layout.Nhwc })
        {
            var dims = BenchData.Shape(layout);
            var shape = TensorShape.Create(dims, "input");
            var count = shape.ElementCount;
            var x = BenchData.Random(count, 1, mean: 3, spread: 2);
            var dy = BenchData.Random(count, 2);
            var y = GC.AllocateArray<float>(count, pinned: true);
            var dx = GC.AllocateArray<float>(count, pinned: true);
            var view = ChannelLayout.Of(shape, layout == Layout.Nchw ? DataFormat.Nchw : DataFormat.Nhwc);
            var layer = new BatchNormLayer(BenchData.Config(layout));
            layer.Train(shape, x, y);
            var c = BenchData.Channels;
            var (mean, variance, scale, shift) = (new double[c], new double[c], new double[c], new double[c]);
            ChannelKernels.Moments(x, view, mean, variance);
            for (var i = 0; i < c; i++)
            {
                scale[i] = 1 / Math.Sqrt(variance[i] + 1e-3);
                shift[i] = 0.5;
            }

            var single = KernelOptions.Default with { Workers = 1 };
            var small = ChannelLayout.Of(TensorShape.Create(layout == Layout.Nchw ? new[] { 1, c, 16, 16 } : new[] { 256, c }, "input"),
                layout == Layout.Nchw ? DataFormat.Nchw : DataFormat.Nhwc);
            var cached = x.AsSpan(0, c * 256).ToArray();
            var steps = new (string Name, Action Step)[]
            {
                ("read_sum", () => System.Numerics.Tensors.TensorPrimitives.Sum(x)),
                ("moments_1t", () => ChannelKernels.Moments(x, view, mean, variance, single)),
                ("affine_1t", () => ChannelKernels.Affine(x, y, view, mean, scale, shift, single)),
                ("moments_l2x256", () =>
                {
                    for (var i = 0; i < 256; i++)
                    {
                        ChannelKernels.Moments(cached, small, mean, variance, single);
                    }
                }),
                ("affine_l2x256", () =>
                {
                    for (var i = 0; i < 256; i++)
                    {
                        ChannelKernels.Affine(cached, y, small, mean, scale, shift, single);
                    }
                }),
                ("moments", () => ChannelKernels.Moments(x, view, mean, variance)),
                ("affine", () => ChannelKernels.Affine(x, y, view, mean, scale, shift)),
                ("finite_scan", () => FiniteScan.FirstNonFinite(x)),
                ("train", () => layer.Train(shape, x, y)),
                ("infer", () => layer.Infer(shape, x, y)),
                ("backward", () => layer.Backward(shape, x, dy, dx, isTraining: true, learningRate: null)),
            };
            var ratios = steps.Select(_ => new List<double>()).ToArray();
            var copies = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                for (var s = 0; s < steps.Length; s++)
                {
                    var copy = Time(() => x.AsSpan().CopyTo(y));
                    copies.Add(copy);
                    ratios[s].Add(Time(steps[s].Step) / copy);
                }
            }

            output.WriteLine($"Vector<float>.Count {System.Numerics.Vector<float>.Count}, workers {KernelOptions.Default.Workers}");
            output.WriteLine($"{layout}: copy median {Median(copies) * 1e3:F2} ms over {rounds} rounds");
            for (var s = 0; s < steps.Length; s++)
            {
                output.WriteLine($"  {steps[s].Name,-12} {Median(ratios[s]):F2}x copy");
            }
        }
    }

    /// <summary>Per-call latency of the small-batch training forward and its parts: the best of many rounds of many calls.</summary>
    public static void SmallBatch(int rounds, TextWriter output)
    {
        var shape = TensorShape.Create(new[] { 32, 64 }, "input");
        var x = BenchData.Random(shape.ElementCount, 3, mean: 3, spread: 2);
        var y = new float[x.Length];
        var layer = new BatchNormLayer(BenchData.Config(Layout.Nhwc, channels: 64));
        var view = new ChannelLayout(32, 64, 1);
        var (mean, variance, scale, shift) = (new double[64], new double[64], new double[64], new double[64]);
        Array.Fill(scale, 0.5);
        const int calls = 2000;
        var state = layer.CaptureState();
        var steps = new (string Name, Action Step)[]
        {
            ("train", () => layer.Train(shape, x, y)),
            ("moments", () => ChannelKernels.Moments(x, view, mean, variance)),
            ("affine", () => ChannelKernels.Affine(x, y, view, mean, scale, shift)),
            ("infer", () => layer.Infer(shape, x, y)),
            ("layout", () => LayerInputs.Layout(layer.Config, shape)),
            ("stats", () => MovingStatistics.Apply(layer.Config, state, mean, variance, scale)),
            ("bias", () => VarianceBias.ForMovingVariance(variance, 32, VarianceBias.IsUnbiased(layer.Config, 2, false), scale)),
            ("divide", () => System.Numerics.Tensors.TensorPrimitives.Divide(mean, variance, scale)),
        };
        // Round-robin over the steps so that a busy spell hits them alike; the best round is the least disturbed.
        var best = steps.Select(_ => double.MaxValue).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var s = 0; s < steps.Length; s++)
            {
                var step = steps[s].Step;
                best[s] = Math.Min(best[s], Time(() =>
                {
                    for (var i = 0; i < calls; i++)
                    {
                        step();
                    }
                }) / calls);
            }
        }

        for (var s = 0; s < steps.Length; s++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < calls; i++)
            {
                steps[s].Step();
            }

            var bytes = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)calls;
            output.WriteLine($"  {steps[s].Name,-12} {best[s] * 1e6:F2} us, {bytes:F0} B allocated per call");
        }
    }

    private static double Time(Action step)
    {
        var start = Stopwatch.GetTimestamp();
        step();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
