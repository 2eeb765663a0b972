using Bn.V1;
using BnService.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;

namespace BnService.Tests.Grpc;

/// <summary>In plain-text logs, a gRPC call's request line says its gRPC status, not only the HTTP 200 every gRPC call gets.</summary>
public class GrpcRequestLineTests
{
    [Fact]
    public async Task TheTextLineOfAGrpcCallCarriesItsGrpcStatus()
    {
        await using var service = await ServiceProcess.StartAsync(new Dictionary<string, string> { ["Logging__Json"] = "false" });
        using var channel = GrpcChannel.ForAddress(service.GrpcAddress);
        var client = new BatchNorm.BatchNormClient(CallDeadline.On(channel));
        var missing = LayerNames.Unique("line-missing");
        var error = await Assert.ThrowsAsync<RpcException>(() => client.GetLayerAsync(new GetLayerRequest { Name = missing }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        var created = LayerNames.Unique("line-created");
        await client.CreateLayerAsync(new CreateLayerRequest { Config = new Bn.V1.LayerConfig { Name = created, Channels = 1 } });

        using var rest = new HttpClient { BaseAddress = service.RestAddress };
        using (await rest.GetAsync($"/v1/layers/{missing}"))
        {
        }

        var failed = await LineAsync(service, missing, "/bn.v1.BatchNorm/GetLayer");
        Assert.True(failed.Contains("gRPC /bn.v1.BatchNorm/GetLayer layer " + missing + " responded NotFound (HTTP 200) in ", StringComparison.Ordinal), service.Output);
        var succeeded = await LineAsync(service, created, "/bn.v1.BatchNorm/CreateLayer");
        Assert.Contains("responded OK (HTTP 200)", succeeded, StringComparison.Ordinal);
        var restLine = await LineAsync(service, missing, "/v1/layers/{name}");
        Assert.Contains("HTTP GET /v1/layers/{name} layer " + missing + " responded 404 in ", restLine, StringComparison.Ordinal);
    }

    private static async Task<string> LineAsync(ServiceProcess service, string layer, string route)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var line = service.Output.Split('\n').FirstOrDefault(l => l.Contains(route + " layer " + layer + " ", StringComparison.Ordinal));
            if (line is not null)
            {
                return line;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"no request line for {route} on {layer} in:\n{service.Output}");
        return "";
    }
}
