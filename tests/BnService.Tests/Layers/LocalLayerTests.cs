using System.Net;
using System.Text.Json.Nodes;
using BnEngine;
using BnService.Layers;
using BnService.Layers.Grains;
using BnService.Storage;
using BnService.Tests.Durability;
using BnService.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Layers;

/// <summary>
/// Calls for a layer whose grain is active on this node run on its host directly (<see cref="LocalLayers"/>): the
/// same answers as through the grain, changes one at a time, inference never sees a change half done or one that
/// was not written, and a closed host (deactivation, a failed write) hands over to a fresh one from the stored state.
/// </summary>
public sealed class LocalLayerTests
{
    private static readonly int[] Shape = [8, 2, TrainingRun.Channels];

    [Fact]
    public async Task AnActiveLayerIsServedOnItsNodeAndAfterDeactivationFromItsStoredState()
    {
        await using var factory = new BnServiceFactory();
        using var client = factory.CreateClient();
        var local = factory.Services.GetRequiredService<LocalLayers>();
        var run = new TrainingRun(LayerNames.Unique("local"));
        await CreateLayerAsync(client, run.Config);
        Assert.True(local.TryGet(run.Name, out _));

        Assert.Equal(1, await run.TrainAsync(client, 0));
        Assert.Equal(2, await run.TrainAsync(client, 1));

        // What Orleans does to a layer idle for CollectionAge: the host closes and leaves this node's table.
        await factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.False(local.TryGet(run.Name, out _));

        // The next call goes through the grain, which activates again from the stored state.
        Assert.Equal(3, await run.TrainAsync(client, 2));
        Assert.True(local.TryGet(run.Name, out _));
        TrainingRun.AssertState(run.Replay(Enumerable.Range(0, 3)), await run.GetAsync(client));
    }

    [Fact]
    public async Task ALayerUsedOnlyOnItsNodeIsNotCollectedAsIdleWhileInUse()
    {
        await using var factory = new BnServiceFactory();
        using var shortAge = factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.Configure<GrainCollectionOptions>(o =>
            {
                o.CollectionQuantum = TimeSpan.FromMilliseconds(500);
                o.CollectionAge = TimeSpan.FromSeconds(3);
            })));
        using var client = shortAge.CreateClient();
        var local = shortAge.Services.GetRequiredService<LocalLayers>();
        var run = new TrainingRun(LayerNames.Unique("local-alive"));
        await CreateLayerAsync(client, run.Config);
        Assert.True(local.TryGet(run.Name, out var host));

        // Three collection ages of calls that never reach the grain: the same host answers them all.
        var step = 0L;
        var until = DateTime.UtcNow.AddSeconds(9);
        for (var batch = 0; DateTime.UtcNow < until; batch++)
        {
            step = await run.TrainAsync(client, batch);
            await Task.Delay(100);
        }

        Assert.True(local.TryGet(run.Name, out var still));
        Assert.Same(host, still);
        Assert.True(host.IsClosed is false && step > 20, $"step {step}");

        // Unused, it goes as any idle activation does.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (local.TryGet(run.Name, out _) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.False(local.TryGet(run.Name, out _));
        Assert.True(host.IsClosed);
    }

    [Fact]
    public async Task ConcurrentTrainingStepsApplyOneAtATimeAndEveryInferenceSeesAStateBetweenTwo()
    {
        await using var factory = new BnServiceFactory();
        using var client = factory.CreateClient();
        var operations = factory.Services.GetRequiredService<ILayerOperations>();
        var run = new TrainingRun(LayerNames.Unique("local-race"));
        await CreateLayerAsync(client, run.Config);
        const int steps = 40;
        var probe = TrainingRun.Batch(1000);
        var shape = TensorShape.Create(Shape, "input.shape");

        var trains = Enumerable.Range(0, steps).Select(b => Task.Run(async () =>
            (Batch: b, (await operations.TrainAsync(run.Name, new TrainInput(Tensor(shape, TrainingRun.Batch(b)), null, null))).Step)));
        var infers = Enumerable.Range(0, steps).Select(_ => Task.Run(async () =>
            Values(await operations.InferAsync(run.Name, Tensor(shape, probe)))));
        var trained = await Task.WhenAll(trains);
        var inferred = await Task.WhenAll(infers);

        // Every step number once: the steps ran one after another, in the order of their numbers.
        Assert.Equal(Enumerable.Range(1, steps).Select(s => (long)s), trained.Select(t => t.Step).Order());
        var order = trained.OrderBy(t => t.Step).Select(t => t.Batch).ToArray();
        TrainingRun.AssertState(run.Replay(order), await run.GetAsync(client));

        // Each answer is the inference of the layer after some number of those steps, to the last bit.
        var expected = Enumerable.Range(0, steps + 1).Select(k => InferAfter(run, order.Take(k), shape, probe)).ToArray();
        Assert.All(inferred, answer => Assert.Contains(expected, e => e.SequenceEqual(answer)));
    }

    [Fact]
    public async Task AFailedWriteOrDeleteIsNotSeenByInferenceAndTheNextCallStartsFromTheStoredState()
    {
        var storage = new FailingWrites();
        await using var factory = new BnServiceFactory();
        using var failing = factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(storage.Install));
        using var client = failing.CreateClient();
        var run = new TrainingRun(LayerNames.Unique("local-fail"));
        await CreateLayerAsync(client, run.Config);
        Assert.Equal(1, await run.TrainAsync(client, 0));
        Assert.Equal(2, await run.TrainAsync(client, 1));
        var shape = TensorShape.Create(Shape, "input.shape");
        var probe = TrainingRun.Batch(1000);
        var afterTwo = InferAfter(run, [0, 1], shape, probe);

        storage.Failing = true;
        using (var refused = await run.PostTrainAsync(client, 2))
        {
            Assert.False(refused.IsSuccessStatusCode);
        }

        storage.Failing = false;
        Assert.Equal(afterTwo, await InferAsync(client, run.Name, probe));
        TrainingRun.AssertState(run.Replay([0, 1]), await run.GetAsync(client));

        // The step that was not written is applied when sent again (its request_id was not kept either).
        Assert.Equal(3, await run.TrainAsync(client, 2));
        TrainingRun.AssertState(run.Replay([0, 1, 2]), await run.GetAsync(client));

        // A delete that storage refused leaves the layer as stored, for inference too.
        var afterThree = InferAfter(run, [0, 1, 2], shape, probe);
        storage.Failing = true;
        using (var refused = await client.DeleteAsync($"/v1/layers/{run.Name}"))
        {
            Assert.False(refused.IsSuccessStatusCode);
        }

        storage.Failing = false;
        Assert.Equal(afterThree, await InferAsync(client, run.Name, probe));
        TrainingRun.AssertState(run.Replay([0, 1, 2]), await run.GetAsync(client));
    }

    [Fact]
    public async Task ACallThatCannotGetTheLayerWithinTheResponseTimeoutIsUnavailableAndChangesNothing()
    {
        var storage = new FailingWrites();
        await using var factory = new BnServiceFactory();
        using var stalled = factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
        {
            storage.Install(services);
            services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(1));
        }));
        using var client = stalled.CreateClient();
        var run = new TrainingRun(LayerNames.Unique("local-busy"));
        await CreateLayerAsync(client, run.Config);
        Assert.Equal(1, await run.TrainAsync(client, 0));
        var probe = TrainingRun.Batch(1000);
        var afterOne = await InferAsync(client, run.Name, probe);

        // A write that does not return holds the layer: the next change waits a response timeout, then gets 503.
        var release = new TaskCompletionSource();
        storage.Stall = release.Task;
        var stuck = run.PostTrainAsync(client, 1);
        await Task.Delay(200);
        using (var refused = await run.PostTrainAsync(client, 2))
        {
            var problem = await AssertProblemAsync(refused, HttpStatusCode.ServiceUnavailable);
            Assert.Contains("did not become free", (string)problem["detail"]!, StringComparison.Ordinal);
        }

        // Inference does not wait for the change: it answers from the state before it.
        Assert.Equal(afterOne, await InferAsync(client, run.Name, probe));

        storage.Stall = null;
        release.SetResult();
        using (var done = await stuck)
        {
            Assert.Equal(2, (long)(await ReadJsonAsync(done))["step"]!);
        }

        TrainingRun.AssertState(run.Replay([0, 1]), await run.GetAsync(client));
    }

    private static float[] InferAfter(TrainingRun run, IEnumerable<int> batches, TensorShape shape, float[] probe)
    {
        var layer = new BatchNormLayer(LayerConfig.Resolve(new LayerSpec
        {
            Name = run.Name, Channels = TrainingRun.Channels, Decay = new Decay(TrainingRun.Decay), Scale = true, Epsilon = 0.01,
        }), run.Replay(batches));
        var output = new float[probe.Length];
        layer.Infer(shape, probe, output);
        return output;
    }

    private static async Task<float[]> InferAsync(HttpClient client, string name, float[] probe)
    {
        using var response = await client.PostAsync($"/v1/layers/{name}/infer", Json(new JsonObject { ["input"] = RestCalls.Tensor(Shape, probe) }));
        return Floats((await ReadJsonAsync(response, HttpStatusCode.OK))["output"]);
    }

    private static TensorData Tensor(TensorShape shape, float[] values) => new(shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    private static float[] Values(TensorData tensor) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.Bytes).ToArray();
}
