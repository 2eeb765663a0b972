using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using BatchNorm = Bn.V1.BatchNorm;
using BnEngine;
using BnService.Tests.Hostile;
using Grpc.Net.Client;
using Xunit.Abstractions;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Soak;

/// <summary>The soak runs alone, so that the managed heap it samples is its own.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoakCollection
{
    public const string Name = "soak";
}

/// <summary>
/// 64 concurrent clients, half REST (JSON and binary) and half gRPC (data and raw_data), each making a fixed number
/// of calls (30; <c>BNSERVICE_SOAK_CALLS</c> for a long run) mixing train, infer, backward and get on four layers.
/// Every call succeeds, the managed heap levels off, and each layer's final state equals a serial replay of the
/// acknowledged calls through the engine: trains in the order of their steps, then the applied backward steps.
/// </summary>
[Collection(SoakCollection.Name)]
public sealed class SoakTests(ITestOutputHelper output)
{
    private const int Clients = 64;
    private const int Checkpoints = 10;
    private const double LearningRate = 0.01;

    /// <summary>Growth allowed from the middle checkpoint to the last one: 16 MiB plus a quarter of the middle figure.</summary>
    private const long FlatBytes = 16L << 20;

    // Both sides run the same engine on the same float32 batches in the same order; only the order in which the
    // SGD steps were added differs (a rounding of the last bits), so this is far tighter than the golden files' 1e-5.
    private static readonly Tolerance Close = new(Abs: 1e-9, Rel: 1e-9);

    private sealed record Train(SoakLayer Layer, float[] Batch, TrainAnswer Answer);

    private sealed record Apply(SoakLayer Layer, float[] Batch, float[] GradOutput);

    [Fact]
    public async Task SixtyFourClientsMixingCallsGetNoErrorsLevelOffAndEqualASerialReplay()
    {
        var callsPerClient = Environment.GetEnvironmentVariable("BNSERVICE_SOAK_CALLS") is { Length: > 0 } text
            ? int.Parse(text, CultureInfo.InvariantCulture)
            : 30;
        await using var service = new CapturingServiceFactory();
        using var setup = service.CreateClient();
        foreach (var layer in SoakLayer.All)
        {
            await CreateLayerAsync(setup, layer.Config);
        }

        using var channel = GrpcChannel.ForAddress(service.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = service.Server.CreateHandler() });
        var trains = new ConcurrentQueue<Train>();
        var applies = new ConcurrentQueue<Apply>();
        var errors = new ConcurrentQueue<string>();
        var total = Clients * callsPerClient;
        var done = 0;

        var heap = new List<long>();
        using var finished = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            for (var checkpoint = 1; checkpoint <= Checkpoints; checkpoint++)
            {
                while (Volatile.Read(ref done) < (long)total * checkpoint / Checkpoints && !finished.IsCancellationRequested)
                {
                    await Task.Delay(5);
                }

                heap.Add(GC.GetTotalMemory(forceFullCollection: true));
            }
        });

        var clients = Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            using var http = c % 2 == 0 ? service.CreateClient() : null;
            ISoakClient client = http is not null ? new RestSoakClient(http) : new GrpcSoakClient(new BatchNorm.BatchNormClient(CallDeadline.On(channel)));
            for (var k = 0; k < callsPerClient; k++)
            {
                var seed = (c * 100_003) + k;
                var random = new Random(seed);
                var layer = SoakLayer.All[random.Next(SoakLayer.All.Count)];
                var batch = layer.Batch(seed);
                var op = random.Next(100);
                try
                {
                    if (op < 40)
                    {
                        trains.Enqueue(new Train(layer, batch, await client.TrainAsync(layer, batch, k % 2 == 0)));
                    }
                    else if (op < 60)
                    {
                        await client.InferAsync(layer, batch, k % 2 == 1);
                    }
                    else if (op < 85)
                    {
                        var gradOutput = layer.Batch(seed + 1);
                        await client.BackwardAsync(layer, batch, gradOutput, layer.AppliesBackward ? LearningRate : null);
                        if (layer.AppliesBackward)
                        {
                            applies.Enqueue(new Apply(layer, batch, gradOutput));
                        }
                    }
                    else
                    {
                        await client.GetStepAsync(layer);
                    }
                }
                catch (Exception e)
                {
                    errors.Enqueue($"client {c} call {k} ({layer.Name}, op {op}): {e.Message}");
                }

                Interlocked.Increment(ref done);
            }
        })).ToArray();
        await Task.WhenAll(clients);
        await finished.CancelAsync();
        await sampler;

        output.WriteLine($"{total} calls: {trains.Count} trains, {applies.Count} applied backward steps; managed heap at checkpoints (MiB): " +
                         string.Join(", ", heap.Select(b => (b / 1048576.0).ToString("F1", CultureInfo.InvariantCulture))));
        Assert.True(errors.IsEmpty, $"{errors.Count} calls failed; first: {errors.FirstOrDefault()}");
        service.Logs.AssertNoFaults("the soak");

        // The heap levels off: from the middle checkpoint on it grows by less than a fixed bound.
        var middle = heap[(Checkpoints / 2) - 1];
        var last = heap.Skip(Checkpoints / 2).Max();
        Assert.True(last <= middle + FlatBytes + (middle / 4), $"the managed heap kept growing: {middle} bytes at the middle checkpoint, up to {last} after");

        foreach (var layer in SoakLayer.All)
        {
            await AssertReplayAsync(setup, layer, [.. trains.Where(t => t.Layer == layer)], [.. applies.Where(a => a.Layer == layer)]);
        }
    }

    private static async Task AssertReplayAsync(HttpClient http, SoakLayer layer, Train[] trains, Apply[] applies)
    {
        // Every acknowledged train got its own step, 1..n: the order to replay them in.
        var ordered = trains.OrderBy(t => t.Answer.Step).ToArray();
        Assert.Equal(Enumerable.Range(1, ordered.Length).Select(s => (long)s), ordered.Select(t => t.Answer.Step));

        var replay = new BatchNormLayer(LayerConfig.Resolve(layer.Spec));
        var shape = TensorShape.Create(layer.Shape.Select(d => (long)d).ToArray(), "input.shape");
        var scratch = new float[layer.Elements];
        foreach (var train in ordered)
        {
            var result = replay.Train(shape, train.Batch, scratch);
            if (train.Answer.BatchMean is { } mean)
            {
                Close.AssertClose(result.BatchMean, mean, $"{layer.Name} step {train.Answer.Step} batch_mean");
            }
        }

        foreach (var apply in applies)
        {
            replay.Backward(shape, apply.Batch, apply.GradOutput, scratch, isTraining: true, LearningRate);
        }

        var expected = replay.CaptureState();
        var actual = await ReadJsonAsync(await http.GetAsync($"/v1/layers/{layer.Name}"));
        Assert.Equal(expected.Step, (long)actual["step"]!);
        Close.AssertClose(expected.MovingMean, Doubles(actual["moving_mean"]), layer.Name + " moving_mean");
        Close.AssertClose(expected.MovingVariance, Doubles(actual["moving_variance"]), layer.Name + " moving_variance");
        Close.AssertClose(expected.Gamma, Doubles(actual["gamma"]), layer.Name + " gamma");
        Close.AssertClose(expected.Beta, Doubles(actual["beta"]), layer.Name + " beta");
        Close.AssertClose(expected.RenormMean, Doubles(actual["renorm_mean"]), layer.Name + " renorm_mean");
        Close.AssertClose(expected.RenormStddev, Doubles(actual["renorm_stddev"]), layer.Name + " renorm_stddev");
    }
}
