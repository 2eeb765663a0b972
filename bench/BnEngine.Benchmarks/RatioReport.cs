using BenchmarkDotNet.Reports;

namespace BnEngine.Benchmarks;

/// <summary>
/// Prints one line per figure, <c>ratio &lt;name&gt; &lt;value&gt;</c>: every 64 MiB figure is a ratio of medians
/// measured in the same run (the machine is shared and noisy; ratios travel better than times).
/// </summary>
internal static class RatioReport
{
    private const double SmallBatchGoalMicroseconds = 2.0;

    public static void Print(IEnumerable<Summary> summaries, TextWriter output)
    {
        var medians = new Dictionary<(string Method, string Layout), double>();
        foreach (var report in summaries.SelectMany(s => s.Reports))
        {
            if (report.ResultStatistics is not { } stats)
            {
                continue;
            }

            var layout = report.BenchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "Layout")?.Value?.ToString() ?? "";
            medians[(report.BenchmarkCase.Descriptor.WorkloadMethod.Name, layout)] = stats.Median;
        }

        output.WriteLine();
        foreach (var layout in new[] { nameof(Layout.Nchw), nameof(Layout.Nhwc) })
        {
            var name = layout.ToLowerInvariant();
            Ratio(output, medians, $"train_forward_{name}_64mb_vs_memcpy", ("TrainForward", layout), ("Memcpy", layout));
            Ratio(output, medians, $"infer_forward_{name}_64mb_vs_memcpy", ("InferForward", layout), ("Memcpy", layout));
            Ratio(output, medians, $"backward_{name}_64mb_vs_memcpy", ("Backward", layout), ("Memcpy", layout));
            Ratio(output, medians, $"infer_forward_{name}_64mb_vs_onnxruntime", ("InferForward", layout), ("OnnxRuntimeInfer", layout));
            Ratio(output, medians, $"onnxruntime_infer_{name}_64mb_vs_memcpy", ("OnnxRuntimeInfer", layout), ("Memcpy", layout));
            Ratio(output, medians, $"kernel_moments_{name}_64mb_vs_memcpy", ("KernelMoments", layout), ("Memcpy", layout));
            Ratio(output, medians, $"kernel_affine_{name}_64mb_vs_memcpy", ("KernelAffine", layout), ("Memcpy", layout));
        }

        if (medians.TryGetValue(("TrainForwardSmall", ""), out var small))
        {
            var micros = small / 1000;
            output.WriteLine($"ratio train_forward_nhwc_32x64_us {micros:F3}");
            output.WriteLine($"ratio train_forward_nhwc_32x64_vs_2us_goal {micros / SmallBatchGoalMicroseconds:F3}");
        }
    }

    private static void Ratio(TextWriter output, Dictionary<(string, string), double> medians, string name,
        (string, string) numerator, (string, string) denominator)
    {
        if (medians.TryGetValue(numerator, out var top) && medians.TryGetValue(denominator, out var bottom) && bottom > 0)
        {
            output.WriteLine($"ratio {name} {top / bottom:F3}");
        }
    }
}
