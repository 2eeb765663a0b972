using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Bn.V1;
using BnService.Tests.Grpc;
using BnService.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Operations;

/// <summary>
/// SIGTERM on the real process: readiness turns false first while the server still serves (the drain delay), then
/// the server stops accepting while calls in flight (a slow REST upload, a gRPC stream mid-way) finish with success,
/// and only then does the silo stop and write the layers (file storage writing every 100 changes, so what the restart
/// finds was written at shutdown).
/// </summary>
public sealed class GracefulShutdownTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "bn-shutdown-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task InFlightCallsFinishAfterSigtermAndTheirStateIsWritten()
    {
        var environment = new Dictionary<string, string>
        {
            ["Storage__Kind"] = "file",
            ["Storage__Path"] = _folder,
            ["Storage__WriteEvery"] = "100",
            ["Shutdown__DrainDelay"] = "00:00:03",
            ["Shutdown__Timeout"] = "00:00:30",
        };
        var name = LayerNames.Unique("shutdown");
        var service = await ServiceProcess.StartAsync(environment);
        await using (service)
        {
            using var rest = new HttpClient { BaseAddress = service.RestAddress };
            await CreateLayerAsync(rest, new JsonObject { ["name"] = name, ["channels"] = 4 });

            using var channel = GrpcChannel.ForAddress(service.GrpcAddress);
            var client = new BatchNorm.BatchNormClient(CallDeadline.On(channel));
            using var stream = client.TrainStream();
            await stream.RequestStream.WriteAsync(Batch(name));
            Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));
            var steps = new List<long> { stream.ResponseStream.Current.Step };

            // A REST upload of 4 KiB in 8 pieces, 0.7 s apart: in flight for about 5 s, past the 3 s drain.
            var uploading = new TaskCompletionSource();
            using var upload = new HttpRequestMessage(HttpMethod.Post, $"/v1/layers/{name}/train") { Content = SlowBatch(256, uploading) };
            var uploaded = rest.SendAsync(upload);
            await uploading.Task.WaitAsync(TimeSpan.FromSeconds(60));

            var exited = service.TerminateAsync(TimeSpan.FromSeconds(60));

            // The drain: not ready, on both protocols, while the server still answers.
            Assert.Equal("stopping", await ReadinessDuringDrainAsync(service));
            var health = await new Health.HealthClient(CallDeadline.On(channel)).CheckAsync(new HealthCheckRequest());
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, health.Status);

            // The stream goes on through the drain and after the server stopped accepting.
            await stream.RequestStream.WriteAsync(Batch(name));
            Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));
            steps.Add(stream.ResponseStream.Current.Step);
            await Task.Delay(TimeSpan.FromSeconds(3.5)); // past the drain: the server has stopped accepting
            Assert.False(exited.IsCompleted, "the process exited with a call in flight:\n" + service.Output);
            await stream.RequestStream.WriteAsync(Batch(name));
            Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));
            steps.Add(stream.ResponseStream.Current.Step);
            await stream.RequestStream.CompleteAsync();
            Assert.False(await stream.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(StatusCode.OK, stream.GetStatus().StatusCode);
            steps.Add(await StepAfterUploadAsync(uploaded));
            Assert.Equal([1, 2, 3, 4], steps.Order());

            Assert.Equal(0, await exited);
        }

        // Four acknowledged steps (three stream messages, one upload), written when the silo stopped.
        await using var restarted = await ServiceProcess.StartAsync(environment);
        using var again = new HttpClient { BaseAddress = restarted.RestAddress };
        var layer = await ReadJsonAsync(await again.GetAsync($"/v1/layers/{name}"));
        Assert.Equal(4, (long)layer["step"]!);
    }

    private static async Task<long> StepAfterUploadAsync(Task<HttpResponseMessage> uploaded)
    {
        using var response = await uploaded;
        return (long)(await ReadJsonAsync(response))["step"]!;
    }

    /// <summary>Polls /readyz on new connections until it answers 503; returns its status text.</summary>
    private static async Task<string> ReadinessDuringDrainAsync(ServiceProcess service)
    {
        using var probe = new HttpClient { BaseAddress = service.RestAddress, Timeout = TimeSpan.FromSeconds(2) };
        probe.DefaultRequestHeaders.ConnectionClose = true;
        for (var attempt = 0; attempt < 40; attempt++)
        {
            using var ready = await probe.GetAsync("/readyz");
            if (ready.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                return (string)(await ReadJsonAsync(ready, HttpStatusCode.ServiceUnavailable))["status"]!;
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException("/readyz never answered 503 during the drain:\n" + service.Output);
    }

    private static TrainRequest Batch(string name) => new() { Name = name, Input = Tensors.Data([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]) };

    private static SlowContent SlowBatch(int rows, TaskCompletionSource started)
    {
        var values = new float[rows * 4];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = i % 7;
        }

        var content = new SlowContent(MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), pieces: 8, TimeSpan.FromMilliseconds(700), started);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add("X-Tensor-Shape", $"{rows},4");
        return content;
    }

    /// <summary>A body sent in pieces with pauses between them, its length announced up front.</summary>
    private sealed class SlowContent(byte[] bytes, int pieces, TimeSpan pause, TaskCompletionSource started) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var size = bytes.Length / pieces;
            for (var i = 0; i < pieces; i++)
            {
                await stream.WriteAsync(bytes.AsMemory(i * size, i == pieces - 1 ? bytes.Length - (i * size) : size));
                await stream.FlushAsync();
                started.TrySetResult();
                if (i < pieces - 1)
                {
                    await Task.Delay(pause);
                }
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            return true;
        }
    }
}
