using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Telemetry;

/// <summary>With OTEL_EXPORTER_OTLP_ENDPOINT set, metrics and traces go to that collector (here a local HTTP listener).</summary>
[Collection(TelemetryCollection.Name)]
public class OtlpExportTests
{
    [Fact]
    public async Task MetricsAndTracesAreExportedOverOtlpHttp()
    {
        var port = FreePorts.Next(1)[0];
        using var collector = new HttpListener();
        collector.Prefixes.Add($"http://127.0.0.1:{port}/");
        collector.Start();
        var received = new ConcurrentDictionary<string, long>();
        var serving = Task.Run(async () =>
        {
            while (collector.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await collector.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                if (context.Request.HttpMethod == "POST" && context.Request.ContentType == "application/x-protobuf" && body.Length > 0)
                {
                    received.AddOrUpdate(context.Request.Url!.AbsolutePath, body.Length, (_, n) => n + body.Length);
                }

                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });

        await using (var factory = new BnServiceFactory(new Dictionary<string, string?>
                     {
                         ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{port}",
                         ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                         ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
                         ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
                     }))
        {
            var client = factory.CreateClient();
            var name = LayerNames.Unique("otlp");
            await CreateLayerAsync(client, new JsonObject { ["name"] = name, ["channels"] = 2 });
            await ReadJsonAsync(await client.PostAsync($"/v1/layers/{name}/train", Json(new JsonObject { ["input"] = Tensor([2, 2], [1, 2, 3, 5]) })));

            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!(received.ContainsKey("/v1/metrics") && received.ContainsKey("/v1/traces")) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }

        collector.Stop();
        await serving.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(received.ContainsKey("/v1/metrics"), $"received: {string.Join(", ", received.Keys)}");
        Assert.True(received.ContainsKey("/v1/traces"), $"received: {string.Join(", ", received.Keys)}");
    }
}
