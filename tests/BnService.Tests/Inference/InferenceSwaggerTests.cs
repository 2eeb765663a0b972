using System.Text.Json.Nodes;
using BnService.Tests.Infrastructure;

namespace BnService.Tests.Inference;

/// <summary>The OpenAPI document covers the protocol's routes, their bodies and their errors.</summary>
[Collection(SharedServiceCollection.Name)]
public class InferenceSwaggerTests(SharedService factory)
{
    private readonly HttpClient _client = factory.CreateClient();

    [Theory]
    [InlineData("/v2", "get", "")]
    [InlineData("/v2/health/live", "get", "")]
    [InlineData("/v2/health/ready", "get", "")]
    [InlineData("/v2/models/{name}", "get", "400 404")]
    [InlineData("/v2/models/{name}/versions/{version}", "get", "400 404")]
    [InlineData("/v2/models/{name}/ready", "get", "400 404")]
    [InlineData("/v2/models/{name}/versions/{version}/ready", "get", "400 404")]
    [InlineData("/v2/models/{name}/infer", "post", "400 404 409 413 415")]
    [InlineData("/v2/models/{name}/versions/{version}/infer", "post", "400 404 409 413 415")]
    public async Task EveryRouteIsDocumented(string path, string method, string errors)
    {
        var document = JsonNode.Parse(await _client.GetStringAsync("/swagger/v1/swagger.json"))!;
        var operation = document["paths"]?[path]?[method];
        Assert.True(operation is not null, $"{method} {path} is not documented");
        var responses = operation!["responses"]!.AsObject();
        Assert.NotNull(responses["200"]?["content"]?["application/json"]?["schema"]);
        foreach (var status in errors.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.True(responses[status]?["content"]?["application/problem+json"] is not null, $"{method} {path} does not document problem {status}");
        }

        if (method == "post")
        {
            Assert.NotNull(operation["requestBody"]?["content"]?["application/json"]?["schema"]);
            Assert.NotNull(responses["200"]?["content"]?["application/octet-stream"]);
        }
    }
}
