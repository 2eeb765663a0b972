using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Hostile;

/// <summary>The service on real Kestrel sockets with a 1 KiB JSON body limit (1 KiB batches, overhead factor 1).</summary>
public sealed class SlowBodyService : CapturingServiceFactory
{
    public const int BodyLimit = 1024;

    public SlowBodyService()
        : this(FreePorts.Next(2))
    {
    }

    private SlowBodyService(int[] ports)
        : base(Settings(ports))
    {
        RestPort = ports[0];
        UseKestrel();
        StartServer();
    }

    public int RestPort { get; }

    private static Dictionary<string, string?> Settings(int[] ports) => new()
    {
        ["Kestrel:Endpoints:Rest:Url"] = $"http://127.0.0.1:{ports[0]}",
        ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{ports[1]}",
        ["Limits:MaxBatchBytes"] = BodyLimit.ToString(CultureInfo.InvariantCulture),
        ["Limits:JsonOverheadFactor"] = "1",
    };

    public HttpClient Client() => new() { BaseAddress = new Uri($"http://127.0.0.1:{RestPort}") };
}

/// <summary>
/// Bodies over the limit sent slowly, over a socket: the 413 comes as soon as the limit is crossed (or before the body
/// is read at all, when the headers already say too much), while the client is still sending, and nothing changes.
/// </summary>
public sealed class SlowBodyTests(SlowBodyService service) : IClassFixture<SlowBodyService>
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(50);

    // Slower still where the answer must come before the body reaches the limit: 16 chunks of 64 bytes take 3.2 s.
    private static readonly TimeSpan LongPause = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task AChunkedJsonBodyIsAnswered413OnceItPassesTheLimitNotAtItsEnd()
    {
        var (name, port, before, mark) = await PrepareAsync();
        var start = Encoding.UTF8.GetBytes("{\"input\": {\"shape\": [2, 4], \"data\": [1, 2, 3, 4, 5, 6, 7, 8]}, \"request_id\": \"");
        var upload = await SlowUpload.SendAsync(port, Head(port, name, "application/json"), start, Encoding.ASCII.GetBytes(new string('r', 64)),
            chunks: 400, Pause, SlowBodyService.BodyLimit);

        AssertAnswered413(upload);
        Assert.NotNull(upload.AnswerAfterLimit);
        Assert.True(upload.AnswerAfterLimit < TimeSpan.FromSeconds(5), $"the 413 came {upload.AnswerAfterLimit} after the limit was crossed");
        await AssertUnchangedAsync(name, before, mark);
    }

    [Fact]
    public async Task AJsonBodyWhoseContentLengthIsOverTheLimitIsAnswered413BeforeItsBody()
    {
        var (name, port, before, mark) = await PrepareAsync();
        var head = Head(port, name, "application/json") + "\r\nContent-Length: 100000";
        var upload = await SlowUpload.SendAsync(port, head, "{"u8.ToArray(), Encoding.ASCII.GetBytes(new string(' ', 64)),
            chunks: 400, LongPause, SlowBodyService.BodyLimit);

        AssertAnswered413(upload);
        Assert.True(upload.BytesSentBeforeAnswer < SlowBodyService.BodyLimit, $"{upload.BytesSentBeforeAnswer} bytes were sent before the answer");
        await AssertUnchangedAsync(name, before, mark);
    }

    [Fact]
    public async Task ABinaryBodyWhoseShapeIsOverTheLimitIsAnswered413BeforeItsBody()
    {
        var (name, port, before, mark) = await PrepareAsync();
        var head = Head(port, name, "application/octet-stream") + "\r\nX-Tensor-Shape: 1000000,4";
        var upload = await SlowUpload.SendAsync(port, head, new byte[16], new byte[64], chunks: 400, LongPause, SlowBodyService.BodyLimit);

        AssertAnswered413(upload);
        Assert.True(upload.BytesSentBeforeAnswer < SlowBodyService.BodyLimit, $"{upload.BytesSentBeforeAnswer} bytes were sent before the answer");
        await AssertUnchangedAsync(name, before, mark);
    }

    private static string Head(int port, string name, string contentType) =>
        $"POST /v1/layers/{name}/train HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {contentType}";

    private static void AssertAnswered413(SlowUpload upload)
    {
        Assert.True(upload.Status == 413, $"expected 413, got {upload.Status}: {upload.Body}");
        Assert.False(upload.BodyFinished, "the answer came only after the whole body");
        Assert.StartsWith("application/problem+json", upload.Headers["Content-Type"], StringComparison.Ordinal);
        var problem = JsonNode.Parse(upload.Body)!;
        Assert.Equal(413, (int)problem["status"]!);
        Assert.False(string.IsNullOrEmpty((string?)problem["title"]));
        Assert.False(string.IsNullOrEmpty((string?)problem["detail"]));
    }

    private async Task<(string Name, int Port, string Before, long Mark)> PrepareAsync()
    {
        using var client = service.Client();
        var name = LayerNames.Unique("slow");
        await CreateLayerAsync(client, new JsonObject { ["name"] = name, ["channels"] = 4 });
        await ReadJsonAsync(await client.PostAsync($"/v1/layers/{name}/train", Json(new JsonObject { ["input"] = Tensor([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]) })));
        var before = (await ReadJsonAsync(await client.GetAsync($"/v1/layers/{name}"))).ToJsonString();
        return (name, client.BaseAddress!.Port, before, service.Logs.Mark());
    }

    private async Task AssertUnchangedAsync(string name, string before, long mark)
    {
        using var client = service.Client();
        Assert.Equal(before, (await ReadJsonAsync(await client.GetAsync($"/v1/layers/{name}"))).ToJsonString());
        service.Logs.AssertNoFaults("a slow body over the limit", mark);
    }
}
