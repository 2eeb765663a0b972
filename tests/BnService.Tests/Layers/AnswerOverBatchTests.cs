using System.Net;
using BnEngine;
using BnService.Layers;
using BnService.Tests.Durability;
using BnService.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Layers;

/// <summary>
/// A training step on this node's host writes its answer over the batch (the caller gave the batch's array up to the
/// call), except when a request_id's receipt will hold the answer; the answer and the layer are those of a step into
/// an array of its own.
/// </summary>
public sealed class AnswerOverBatchTests
{
    private static readonly TensorShape Shape = TensorShape.Create([64, TrainingRun.Channels], "input.shape");

    [Fact]
    public async Task WithoutARequestIdTheAnswerIsWrittenOverTheBatch()
    {
        await using var factory = new BnServiceFactory();
        using var client = factory.CreateClient();
        var layers = factory.Services.GetRequiredService<ILayerOperations>();
        var run = new TrainingRun(LayerNames.Unique("over-batch"));
        await CreateLayerAsync(client, run.Config);
        var reference = run.Layer();

        for (var step = 1; step <= 3; step++)
        {
            var values = Batch(step);
            var expected = new float[values.Length];
            reference.Train(Shape, values, expected);
            var input = TensorData.FromFloats(Shape, values);

            var outcome = await layers.TrainAsync(run.Name, new TrainInput(input, null, null));

            Assert.Same(input.Bytes, outcome.Output.Bytes);
            Assert.Equal(expected, outcome.Output.Values.ToArray());
            Assert.Equal(step, outcome.Step);
        }

        var state = (await layers.GetAsync(run.Name)).State;
        Assert.Equal(reference.CaptureState().MovingMean, state.MovingMean);
        Assert.Equal(reference.CaptureState().MovingVariance, state.MovingVariance);
    }

    [Fact]
    public async Task WithARequestIdTheBatchStaysAndTheReplayGivesTheSameAnswer()
    {
        await using var factory = new BnServiceFactory();
        using var client = factory.CreateClient();
        var layers = factory.Services.GetRequiredService<ILayerOperations>();
        var run = new TrainingRun(LayerNames.Unique("kept-batch"));
        await CreateLayerAsync(client, run.Config);
        var values = Batch(1);
        var expected = new float[values.Length];
        run.Layer().Train(Shape, values, expected);
        var input = TensorData.FromFloats(Shape, values);

        var first = await layers.TrainAsync(run.Name, new TrainInput(input, null, "step-1"));
        var replay = await layers.TrainAsync(run.Name, new TrainInput(TensorData.FromFloats(Shape, values), null, "step-1"));

        Assert.NotSame(input.Bytes, first.Output.Bytes);
        Assert.Equal(values, input.Values.ToArray());
        Assert.Equal(expected, first.Output.Values.ToArray());
        Assert.Equal(expected, replay.Output.Values.ToArray());
        Assert.Equal(1, replay.Step);
    }

    [Fact]
    public async Task ANodeFailureWhileStoringTheStepIsUnavailableNotARetryOnTheOverwrittenBatch()
    {
        // One write fails, as when the storage's node goes away and comes back: a retry would succeed.
        var storage = new FailingWrites();
        storage.Failure = () =>
        {
            storage.Failing = false;
            return new SiloUnavailableException("the storage's node went away");
        };
        await using var factory = new BnServiceFactory();
        using var failing = factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(storage.Install));
        using var client = failing.CreateClient();
        var run = new TrainingRun(LayerNames.Unique("over-batch-fail"));
        await CreateLayerAsync(client, run.Config);
        Assert.Equal(1, await run.TrainAsync(client, 0));

        storage.Failing = true;
        // Binary and without a request_id: the answer goes over the batch.
        using (var body = Binary([8, 2, TrainingRun.Channels], TrainingRun.Batch(1)))
        {
            using var refused = await client.PostAsync($"/v1/layers/{run.Name}/train", body);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        }

        TrainingRun.AssertState(run.Replay([0]), await run.GetAsync(client));
        Assert.Equal(2, await run.TrainAsync(client, 1));
        TrainingRun.AssertState(run.Replay([0, 1]), await run.GetAsync(client));
    }

    private static float[] Batch(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, Shape.ElementCount).Select(_ => (float)(random.NextDouble() * 5 - 1))];
    }
}
