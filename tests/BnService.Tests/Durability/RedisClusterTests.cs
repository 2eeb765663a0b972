using System.Diagnostics;
using BnService.Tests.Infrastructure;
using Xunit.Abstractions;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Durability;

/// <summary>
/// Two real processes joined through Redis clustering, layers in Redis storage: any node serves any layer
/// (one activation, one state), and kill -9 of the node that hosts a layer costs a client that keeps
/// training through the other node only the failover delay, never an error or a lost or doubled batch.
/// </summary>
public sealed class RedisClusterTests(RedisServer redis, ITestOutputHelper output) : IClassFixture<RedisServer>
{
    private Dictionary<string, string> Settings()
    {
        var cluster = "bn-test-" + Guid.NewGuid().ToString("N")[..12];
        return new()
        {
            ["Cluster__Redis"] = redis.Connection,
            ["Cluster__ClusterId"] = cluster,
            ["Cluster__ServiceId"] = cluster,
            ["Storage__Kind"] = "redis",
            ["Storage__Redis"] = redis.Connection,
        };
    }

    [RedisFact]
    public async Task BothNodesServeOneLayerAndKillingItsHostCostsTheClientOnlyTheFailoverDelay()
    {
        var settings = Settings();
        await using var a = await ServiceProcess.StartAsync(settings);
        await using var b = await ServiceProcess.StartAsync(settings);
        using var viaA = new HttpClient { BaseAddress = a.RestAddress };
        using var viaB = new HttpClient { BaseAddress = b.RestAddress };
        var run = new TrainingRun(LayerNames.Unique("cluster"));

        // Created through A, so it lives on A (a layer activates where it is first called).
        await CreateLayerAsync(viaA, run.Config);
        var acknowledged = new List<int>();
        for (var batch = 0; batch < 10; batch++)
        {
            // Alternating nodes, the steps still count 1, 2, 3...: one activation holds the layer.
            Assert.Equal(batch + 1, await run.TrainAsync(batch % 2 == 0 ? viaA : viaB, batch));
            acknowledged.Add(batch);
        }

        Assert.Equal((await run.GetAsync(viaA)).ToJsonString(), (await run.GetAsync(viaB)).ToJsonString());

        // A client trains through B without pause; A dies under it.
        var killed = new TaskCompletionSource();
        var slowest = TimeSpan.Zero;
        var training = Task.Run(async () =>
        {
            var afterKill = 0;
            for (var batch = 10; afterKill < 20; batch++)
            {
                var clock = Stopwatch.StartNew();
                Assert.Equal(acknowledged.Count + 1, await run.TrainAsync(viaB, batch));
                slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
                acknowledged.Add(batch);
                if (batch == 15)
                {
                    killed.SetResult();
                }

                if (a.HasExited)
                {
                    afterKill++;
                }
            }
        });
        await killed.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await a.KillAsync();
        await training.WaitAsync(TimeSpan.FromSeconds(120));

        output.WriteLine($"slowest train call through the surviving node across the kill: {slowest.TotalMilliseconds:F0} ms");
        Assert.True(slowest < TimeSpan.FromSeconds(10), $"failover took {slowest.TotalSeconds:F1} s");
        TrainingRun.AssertState(run.Replay(acknowledged), await run.GetAsync(viaB));
    }

    [RedisFact]
    public async Task AfterSigtermOfItsNodeTheLayerGoesOnElsewhereWithItsState()
    {
        var settings = Settings();
        await using var a = await ServiceProcess.StartAsync(settings);
        await using var b = await ServiceProcess.StartAsync(settings);
        using var viaA = new HttpClient { BaseAddress = a.RestAddress };
        using var viaB = new HttpClient { BaseAddress = b.RestAddress };
        var run = new TrainingRun(LayerNames.Unique("cluster-term"));
        await CreateLayerAsync(viaA, run.Config);
        for (var batch = 0; batch < 5; batch++)
        {
            await run.TrainAsync(viaA, batch);
        }

        Assert.Equal(0, await a.TerminateAsync(TimeSpan.FromSeconds(60)));
        var clock = Stopwatch.StartNew();
        Assert.Equal(6, await run.TrainAsync(viaB, 5));
        output.WriteLine($"first train call through B after A stopped: {clock.Elapsed.TotalMilliseconds:F0} ms");
        TrainingRun.AssertState(run.Replay(Enumerable.Range(0, 6)), await run.GetAsync(viaB));
    }
}
