using System.Text.Json.Nodes;
using BnEngine;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Rest;

/// <summary>
/// Concurrent calls on one layer are applied one at a time: 32 clients train at once, and the final state
/// equals a serial replay (the engine in-process) in the order of the steps the service returned; infer calls
/// running meanwhile each see one of the states between two updates.
/// </summary>
[Collection(SharedServiceCollection.Name)]
public class ConcurrencyTests(SharedService factory)
{
    private const int Clients = 32;
    private const int Channels = 3;
    private static readonly int[] Shape = [8, 2, Channels];

    [Fact]
    public async Task ConcurrentTrainingEqualsASerialReplayAndInferNeverSeesATornState()
    {
        var name = LayerNames.Unique("concurrent");
        var config = new JsonObject { ["name"] = name, ["channels"] = Channels, ["decay"] = 0.8, ["scale"] = true, ["epsilon"] = 0.01 };
        using var setup = factory.CreateClient();
        await CreateLayerAsync(setup, config);

        var batches = Enumerable.Range(0, Clients).Select(Batch).ToArray();
        var probe = Batch(1000);
        var inferOutputs = new List<float[]>();
        using var training = new CancellationTokenSource();

        var inferLoop = Task.Run(async () =>
        {
            using var client = factory.CreateClient();
            do
            {
                var answer = await ReadJsonAsync(await client.PostAsync($"/v1/layers/{name}/infer", Json(new JsonObject { ["input"] = Tensor(Shape, probe) })));
                lock (inferOutputs)
                {
                    inferOutputs.Add(Floats(answer["output"]));
                }
            }
            while (!training.IsCancellationRequested);
        });

        using var start = new ManualResetEventSlim();
        var trains = batches.Select((batch, i) => Task.Run(async () =>
        {
            using var client = factory.CreateClient();
            start.Wait();
            var answer = await ReadJsonAsync(await client.PostAsync($"/v1/layers/{name}/train", Json(new JsonObject { ["input"] = Tensor(Shape, batch) })));
            return (Index: i, Step: (long)answer["step"]!, Mean: Doubles(answer["batch_mean"]));
        })).ToArray();
        start.Set();
        var results = await Task.WhenAll(trains);
        await training.CancelAsync();
        await inferLoop;

        // Every call got its own step, 1..32.
        Assert.Equal(Enumerable.Range(1, Clients).Select(s => (long)s), results.Select(r => r.Step).Order());

        // Serial replay in the service's order; record the infer output of every state in between.
        var layer = new BatchNormLayer(LayerConfig.Resolve(new LayerSpec { Name = name, Channels = Channels, Decay = new Decay(0.8), Scale = true, Epsilon = 0.01 }));
        var shape = TensorShape.Create(Shape, "input.shape");
        var states = new List<float[]> { Infer(layer, shape, probe) };
        foreach (var result in results.OrderBy(r => r.Step))
        {
            var output = new float[shape.ElementCount];
            var trained = layer.Train(shape, batches[result.Index], output);
            Assert.Equal(trained.BatchMean, result.Mean);
            states.Add(Infer(layer, shape, probe));
        }

        var final = await ReadJsonAsync(await setup.GetAsync($"/v1/layers/{name}"));
        var expected = layer.CaptureState();
        AssertClose(expected.MovingMean, Doubles(final["moving_mean"]));
        AssertClose(expected.MovingVariance, Doubles(final["moving_variance"]));
        Assert.Equal(Clients, (long)final["step"]!);

        Assert.NotEmpty(inferOutputs);
        foreach (var observed in inferOutputs)
        {
            Assert.True(states.Any(s => s.AsSpan().SequenceEqual(observed)), "an infer call saw a state that no serial order passes through");
        }
    }

    private static float[] Batch(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, 48).Select(_ => (float)((random.NextDouble() * 4) - 2 + (seed % 5)))];
    }

    private static float[] Infer(BatchNormLayer layer, TensorShape shape, float[] input)
    {
        var output = new float[shape.ElementCount];
        layer.Infer(shape, input, output);
        return output;
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12 * Math.Max(1, Math.Abs(expected[i])), $"[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
