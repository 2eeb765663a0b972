using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Telemetry;

/// <summary>A host of its own, so that other tests' layers do not fill the per-layer series cap.</summary>
public sealed class MetricsService : BnServiceFactory
{
    public MetricsService()
        : base(new Dictionary<string, string?> { ["Telemetry:MaxLayerSeries"] = "1000" })
    {
    }
}

/// <summary>/metrics on the REST port: Prometheus' text format with the service's own series and the frameworks'.</summary>
[Collection(TelemetryCollection.Name)]
public class MetricsEndpointTests(MetricsService factory) : IClassFixture<MetricsService>
{
    private readonly HttpClient _client = factory.CreateClient();

    /// <summary>The value of the sample <paramref name="metric"/>{... layer="name" ...}, or null.</summary>
    private static double? Sample(string text, string metric, string layer, string? operation = null)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(metric + "{", StringComparison.Ordinal) && line.Contains($"layer=\"{layer}\"", StringComparison.Ordinal) &&
                (operation is null || line.Contains($"operation=\"{operation}\"", StringComparison.Ordinal)))
            {
                var value = line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
                return double.Parse(value, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    [Fact]
    public async Task CallsToLayersThatDoNotExistTakeNoSeries()
    {
        var missing = LayerNames.Unique("metrics-missing");
        var batch = new JsonObject { ["input"] = Tensor([4, 2], [1, 2, 3, 4, 5, 6, 7, 9]) };
        await AssertProblemAsync(await _client.GetAsync($"/v1/layers/{missing}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await _client.PostAsync($"/v1/layers/{missing}/infer", Json(batch)), HttpStatusCode.NotFound);

        var text = await _client.GetStringAsync("/metrics");

        Assert.DoesNotContain($"layer=\"{missing}\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetricsShowTheLayersSeriesAfterTraining()
    {
        var name = LayerNames.Unique("metrics");
        await CreateLayerAsync(_client, new JsonObject { ["name"] = name, ["channels"] = 2 });
        var batch = new JsonObject { ["input"] = Tensor([4, 2], [1, 2, 3, 4, 5, 6, 7, 9]) };
        for (var i = 0; i < 3; i++)
        {
            await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(batch.DeepClone())));
        }

        await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/infer", Json(batch.DeepClone())));
        // A replayed request_id is the same step: counted once.
        var keyed = new JsonObject { ["input"] = batch["input"]!.DeepClone(), ["request_id"] = "once" };
        await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(keyed.DeepClone())));
        await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(keyed.DeepClone())));

        using var response = await _client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);

        Assert.Equal(4, Sample(text, "bn_train_steps_total", name));
        Assert.Equal(1, Sample(text, "bn_infer_calls_total", name));
        Assert.Equal(4 * 8 * 4, Sample(text, "bn_batch_bytes_total", name, "train"));
        Assert.Equal(8 * 4, Sample(text, "bn_batch_bytes_total", name, "infer"));
        Assert.True(Sample(text, "bn_engine_time_seconds_total", name, "train") > 0, text);

        // The frameworks' series: ASP.NET Core requests, the .NET runtime, Orleans. A request's duration is recorded
        // as it ends, which can be just after its client has the answer: scrape again until it shows.
        string[] frameworks = ["^http_server_request_duration_seconds_bucket\\{.*http_route=\"/v1/layers/\\{name\\}/train\"", "^dotnet_gc_", "^orleans_"];
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!frameworks.All(f => Regex.IsMatch(text, f, RegexOptions.Multiline)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            text = await _client.GetStringAsync("/metrics");
        }

        Assert.All(frameworks, f => Assert.True(Regex.IsMatch(text, f, RegexOptions.Multiline),
            $"no {f} in: {string.Join('\n', text.Split('\n').Where(l => l.StartsWith("http_server", StringComparison.Ordinal)).Take(20))}"));
    }

    [Fact]
    public async Task ADeletedLayersSeriesGoesAway()
    {
        var name = LayerNames.Unique("metrics-gone");
        await CreateLayerAsync(_client, new JsonObject { ["name"] = name, ["channels"] = 2 });
        await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(new JsonObject { ["input"] = Tensor([2, 2], [1, 2, 3, 5]) })));
        Assert.Equal(1, Sample(await _client.GetStringAsync("/metrics"), "bn_train_steps_total", name));
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"/v1/layers/{name}")).StatusCode);
        Assert.Null(Sample(await _client.GetStringAsync("/metrics"), "bn_train_steps_total", name));
    }
}
