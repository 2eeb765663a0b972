using System.Net;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Durability;

/// <summary>
/// <c>Storage:Kind=file</c> on the real process: kill -9 loses no acknowledged step, a restart on the same
/// folder brings back the exact state and the request_id window, and SIGTERM writes what WriteEvery held back.
/// </summary>
public sealed class FileStorageRestartTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bn-file-storage-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private Dictionary<string, string> Settings(int writeEvery = 1) => new()
    {
        ["Storage__Kind"] = "file",
        ["Storage__Path"] = _folder,
        ["Storage__WriteEvery"] = writeEvery.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task KillNineLosesNoAcknowledgedStepAndARetryAfterTheRestartIsNotCountedTwice()
    {
        var run = new TrainingRun(LayerNames.Unique("file-kill"));
        const int Steps = 12;
        var acknowledged = new List<int>();
        await using (var first = await ServiceProcess.StartAsync(Settings()))
        {
            using var client = new HttpClient { BaseAddress = first.RestAddress };
            await CreateLayerAsync(client, run.Config);
            for (var batch = 0; batch < Steps; batch++)
            {
                Assert.Equal(batch + 1, await run.TrainAsync(client, batch));
                acknowledged.Add(batch);
            }

            // A client keeps training while the process is killed: whatever was acknowledged must be there.
            var inFlight = Task.Run(async () =>
            {
                for (var batch = Steps; ; batch++)
                {
                    try
                    {
                        await run.TrainAsync(client, batch);
                    }
                    catch (HttpRequestException)
                    {
                        return batch;
                    }

                    lock (acknowledged)
                    {
                        acknowledged.Add(batch);
                    }
                }
            });
            await Task.Delay(300);
            await first.KillAsync();
            var unanswered = await inFlight;
            Assert.True(acknowledged.Count > Steps, "the client trained while the process ran");
            acknowledged.Add(unanswered); // Kept below only if the service wrote it before it died.
        }

        await using var second = await ServiceProcess.StartAsync(Settings());
        using var again = new HttpClient { BaseAddress = second.RestAddress };
        var after = await run.GetAsync(again);
        var step = (long)after["step"]!;
        // The unanswered call was either written (then it counts) or not; every answered one was.
        Assert.InRange(step, acknowledged.Count - 1, acknowledged.Count);
        TrainingRun.AssertState(run.Replay(acknowledged.Take((int)step)), after);

        // Every retry of an applied request_id is refused, not counted again; a retry of one never applied is applied.
        var last = acknowledged[(int)step - 1];
        using (var retry = await run.PostTrainAsync(again, last))
        {
            await AssertProblemAsync(retry, HttpStatusCode.Conflict, "request_id");
        }

        Assert.Equal(step, (long)(await run.GetAsync(again))["step"]!);
        Assert.Equal(step + 1, await run.TrainAsync(again, 1000));

        // The directory came back too.
        using var list = await again.GetAsync("/v1/layers");
        Assert.Contains(run.Name, (await ReadJsonAsync(list)).ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSameFolderGivesTheExactStateBackAfterAKill()
    {
        var run = new TrainingRun(LayerNames.Unique("file-exact"));
        string before;
        await using (var first = await ServiceProcess.StartAsync(Settings()))
        {
            using var client = new HttpClient { BaseAddress = first.RestAddress };
            await CreateLayerAsync(client, run.Config);
            for (var batch = 0; batch < 5; batch++)
            {
                await run.TrainAsync(client, batch);
            }

            before = (await run.GetAsync(client)).ToJsonString();
            await first.KillAsync();
        }

        await using var second = await ServiceProcess.StartAsync(Settings());
        using var again = new HttpClient { BaseAddress = second.RestAddress };
        Assert.Equal(before, (await run.GetAsync(again)).ToJsonString());
    }

    [Fact]
    public async Task WithWriteEveryTheStepsHeldBackAreWrittenOnSigterm()
    {
        var run = new TrainingRun(LayerNames.Unique("file-term"));
        string before;
        await using (var first = await ServiceProcess.StartAsync(Settings(writeEvery: 100)))
        {
            using var client = new HttpClient { BaseAddress = first.RestAddress };
            await CreateLayerAsync(client, run.Config);
            for (var batch = 0; batch < 7; batch++)
            {
                await run.TrainAsync(client, batch);
            }

            before = (await run.GetAsync(client)).ToJsonString();
            Assert.Equal(0, await first.TerminateAsync(TimeSpan.FromSeconds(60)));
        }

        await using var second = await ServiceProcess.StartAsync(Settings(writeEvery: 100));
        using var again = new HttpClient { BaseAddress = second.RestAddress };
        Assert.Equal(before, (await run.GetAsync(again)).ToJsonString());
    }

    [Fact]
    public async Task WithWriteEveryAKillLosesAtMostTheStepsSinceTheLastWrite()
    {
        var run = new TrainingRun(LayerNames.Unique("file-every"));
        const int WriteEvery = 4;
        await using (var first = await ServiceProcess.StartAsync(Settings(WriteEvery)))
        {
            using var client = new HttpClient { BaseAddress = first.RestAddress };
            await CreateLayerAsync(client, run.Config);
            for (var batch = 0; batch < 10; batch++)
            {
                await run.TrainAsync(client, batch);
            }

            await first.KillAsync();
        }

        await using var second = await ServiceProcess.StartAsync(Settings(WriteEvery));
        using var again = new HttpClient { BaseAddress = second.RestAddress };
        // Steps 1..8 were written in two writes of four; steps 9 and 10 were waiting for the third.
        TrainingRun.AssertState(run.Replay(Enumerable.Range(0, 8)), await run.GetAsync(again));
    }
}
