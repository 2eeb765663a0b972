using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using BnService.Rest.Json;

// The REST JSON float path timed alone, in ns per value over a 1 MB batch (262,144 values): the data array parsed
// (FloatArrayText; compact, and with a space after each comma as Python's json.dumps writes it) and written
// (JsonFloatArray through a Utf8JsonWriter, FloatElements alone, and FloatFormat value by value), for the load tool's
// inputs (uniform in [-2, 2], as bench/BnService.Load sends them) and a train call's normalized outputs. The runtime's
// own parser and formatter are timed alongside as a yardstick. Each figure is the median over the rounds of this thread's
// CPU time (on Linux; elsewhere the wall clock), so that other processes on a busy machine do not count.
// Usage: dotnet bench/BnService.JsonBench/bin/Release/net10.0/BnService.JsonBench.dll [rounds]
var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 15;
const int Count = 4096 * 64;
const int Slice = 4096;

var inputs = LoadToolValues(Count);
var outputs = Normalized(inputs, 64);
var sets = new (string Name, float[] Values)[] { ("inputs", inputs), ("outputs", outputs) };

Console.WriteLine($"{Count} values, {rounds} rounds, median ns/value of {(ThreadTime.IsThreadCpu ? "thread CPU time" : "wall clock")}, " +
    $"elements {(FloatElements.IsVectorized ? "eight lanes at a time" : "value by value")}");
foreach (var (name, values) in sets)
{
    // In slices of 4,096 values (as the /v2 answers are written), so that each timed method is called often enough for
    // the runtime's optimizing compiler to take it over during the warm-up, as it does in a running service.
    var slices = Enumerable.Range(0, Count / Slice).Select(s => ArrayText(values.AsSpan(s * Slice, Slice))).ToArray();
    var spacedSlices = slices.Select(Spaced).ToArray();
    var pythonSlices = Enumerable.Range(0, Count / Slice).Select(s => PythonText(values.AsSpan(s * Slice, Slice))).ToArray();
    var text = ArrayText(values);
    var parsed = new float[Count];
    var sink = new ArrayBufferWriter<byte>(text.Length + 1024);
    var steps = new (string Step, Action Run)[]
    {
        ("parse", () =>
        {
            for (var s = 0; s < slices.Length; s++)
            {
                if (!FloatArrayText.TryParse(slices[s], parsed.AsSpan(s * Slice, Slice), out var n) || n != Slice)
                {
                    throw new InvalidOperationException("the array did not parse");
                }
            }
        }),
        ("parse_spaced", () =>
        {
            for (var s = 0; s < spacedSlices.Length; s++)
            {
                if (!FloatArrayText.TryParse(spacedSlices[s], parsed.AsSpan(s * Slice, Slice), out var n) || n != Slice)
                {
                    throw new InvalidOperationException("the array did not parse");
                }
            }
        }),
        ("parse_python", () =>
        {
            for (var s = 0; s < pythonSlices.Length; s++)
            {
                if (!FloatArrayText.TryParse(pythonSlices[s], parsed.AsSpan(s * Slice, Slice), out var n) || n != Slice)
                {
                    throw new InvalidOperationException("the array did not parse");
                }
            }
        }),
        ("format", () =>
        {
            for (var s = 0; s < Count; s += Slice)
            {
                Paths.Format(values.AsSpan(s, Slice));
            }
        }),
        ("elements", () =>
        {
            for (var s = 0; s < Count; s += Slice)
            {
                Paths.Elements(values.AsSpan(s, Slice));
            }
        }),
        ("write", () =>
        {
            sink.ResetWrittenCount();
            using var writer = new Utf8JsonWriter(sink);
            writer.WriteStartArray();
            for (var s = 0; s < Count; s += Slice)
            {
                JsonFloatArray.WriteValues(writer, values.AsSpan(s, Slice));
            }

            writer.WriteEndArray();
        }),
        ("runtime_parse", () =>
        {
            for (var s = 0; s < slices.Length; s++)
            {
                Paths.RuntimeParse(slices[s], parsed.AsSpan(s * Slice, Slice));
            }
        }),
        ("runtime_format", () =>
        {
            for (var s = 0; s < Count; s += Slice)
            {
                Paths.RuntimeFormat(values.AsSpan(s, Slice));
            }
        }),
    };

    // Warm-up: long enough for every timed method to be recompiled optimized.
    for (var warm = Stopwatch.StartNew(); warm.ElapsedMilliseconds < 2000;)
    {
        foreach (var (_, run) in steps)
        {
            run();
        }
    }

    Check(text, values, sink);
    Check(Spaced(text), values, null);
    var times = steps.Select(_ => new List<double>()).ToArray();
    for (var r = 0; r < rounds; r++)
    {
        for (var s = 0; s < steps.Length; s++)
        {
            var start = ThreadTime.Now();
            steps[s].Run();
            times[s].Add((ThreadTime.Now() - start) / (double)Count);
        }
    }

    Console.WriteLine($"{name} ({text.Length / (double)Count:F2} bytes/value): " +
        string.Join("  ", steps.Select((s, i) => $"{s.Step} {Median(times[i]):F2}")));
}

static double Median(List<double> times)
{
    times.Sort();
    return times[times.Count / 2];
}

// The load tool's batch: seeded uniform values in [-2, 2] (bench/BnService.Load/Load/Batch.cs).
static float[] LoadToolValues(int count)
{
    var random = new Random(42);
    var values = new float[count];
    for (var i = 0; i < count; i++)
    {
        values[i] = (float)(random.NextDouble() * 4 - 2);
    }

    return values;
}

// What a train call answers: each channel of [rows, channels] shifted to mean 0 and scaled to variance 1.
static float[] Normalized(float[] x, int channels)
{
    var rows = x.Length / channels;
    var y = new float[x.Length];
    for (var c = 0; c < channels; c++)
    {
        double sum = 0, squares = 0;
        for (var r = 0; r < rows; r++)
        {
            sum += x[r * channels + c];
        }

        var mean = sum / rows;
        for (var r = 0; r < rows; r++)
        {
            var d = x[r * channels + c] - mean;
            squares += d * d;
        }

        var scale = 1 / Math.Sqrt(squares / rows + 1e-5);
        for (var r = 0; r < rows; r++)
        {
            y[r * channels + c] = (float)((x[r * channels + c] - mean) * scale);
        }
    }

    return y;
}

// The array as a client's Utf8JsonWriter writes it (the load tool's body).
static byte[] ArrayText(ReadOnlySpan<float> values)
{
    var buffer = new ArrayBufferWriter<byte>();
    using (var writer = new Utf8JsonWriter(buffer))
    {
        writer.WriteStartArray();
        foreach (var v in values)
        {
            writer.WriteNumberValue(v);
        }

        writer.WriteEndArray();
    }

    return buffer.WrittenSpan.ToArray();
}

// The same array with a space after each comma, as Python's json.dumps writes it by default.
static byte[] Spaced(byte[] text) =>
    System.Text.Encoding.ASCII.GetBytes(System.Text.Encoding.ASCII.GetString(text).Replace(",", ", ", StringComparison.Ordinal));

// The array as Python's json.dumps writes a float32 array's tolist(): each value as the shortest text of its double,
// up to 17 significant digits, with ", " between.
static byte[] PythonText(ReadOnlySpan<float> values)
{
    var text = new System.Text.StringBuilder("[");
    for (var i = 0; i < values.Length; i++)
    {
        text.Append(i == 0 ? "" : ", ").Append(((double)values[i]).ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal));
    }

    return System.Text.Encoding.ASCII.GetBytes(text.Append(']').ToString());
}

// The timed paths give the runtime's values and text (the tests check this thoroughly; here it guards the figures).
static void Check(byte[] text, float[] values, ArrayBufferWriter<byte>? written)
{
    if (written is not null && !written.WrittenSpan.SequenceEqual(text))
    {
        throw new InvalidOperationException("the written array is not the runtime's text");
    }

    var parsed = new float[values.Length];
    if (!FloatArrayText.TryParse(text, parsed, out _) || !parsed.AsSpan().SequenceEqual(values))
    {
        throw new InvalidOperationException("the parsed values are not the written ones");
    }
}

/// <summary>The per-slice loops of the runtime's own parser and formatter, and of the formatter alone.</summary>
internal static class Paths
{
    private const int Slice = 4096;

    private static readonly byte[] Scratch = new byte[FloatFormat.RequiredSpace];

    public static int Format(ReadOnlySpan<float> values)
    {
        var length = 0;
        foreach (var v in values)
        {
            length += FloatFormat.Format(v, Scratch);
        }

        return length;
    }

    private static readonly byte[] Run = new byte[Slice * FloatElements.MaxElementLength + FloatElements.GroupSpace];

    /// <summary>The array formatter alone (eight lanes at a time where the processor has AVX-512), without the writer.</summary>
    public static int Elements(ReadOnlySpan<float> values) => FloatElements.Write(values, Run, out _);

    public static int RuntimeFormat(ReadOnlySpan<float> values)
    {
        var length = 0;
        foreach (var v in values)
        {
            Utf8Formatter.TryFormat(v, Scratch, out var used);
            length += used;
        }

        return length;
    }

    public static void RuntimeParse(ReadOnlySpan<byte> array, Span<float> values)
    {
        var span = array[1..];
        for (var i = 0; i < values.Length; i++)
        {
            Utf8Parser.TryParse(span, out float v, out var used);
            values[i] = v;
            span = span[(used + 1)..];
        }
    }
}

/// <summary>This thread's CPU time in nanoseconds (clock_gettime(CLOCK_THREAD_CPUTIME_ID) on Linux), else the wall clock.</summary>
internal static partial class ThreadTime
{
    private const int ThreadCpuClock = 3;

    public static bool IsThreadCpu { get; } = OperatingSystem.IsLinux();

    public static long Now()
    {
        if (IsThreadCpu && ClockGetTime(ThreadCpuClock, out var time) == 0)
        {
            return time.Seconds * 1_000_000_000 + time.Nanoseconds;
        }

        return (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    private readonly struct TimeSpec
    {
        public readonly long Seconds;
        public readonly long Nanoseconds;
    }
}
