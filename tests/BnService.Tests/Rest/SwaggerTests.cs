using System.Net;
using System.Text.Json.Nodes;
using BnService.Tests.Infrastructure;

namespace BnService.Tests.Rest;

/// <summary>Swagger UI and the OpenAPI document cover every route, its body and its errors.</summary>
[Collection(SharedServiceCollection.Name)]
public class SwaggerTests(SharedService factory)
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task SwaggerUiIsServed()
    {
        using var response = await _client.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/v1/layers", "post", "201", "400 404 409 413 415")]
    [InlineData("/v1/layers", "get", "200", "400")]
    [InlineData("/v1/layers/{name}", "get", "200", "400 404")]
    [InlineData("/v1/layers/{name}", "delete", "204", "400 404")]
    [InlineData("/v1/layers/{name}/train", "post", "200", "400 404 409 413 415")]
    [InlineData("/v1/layers/{name}/infer", "post", "200", "400 404 413 415")]
    [InlineData("/v1/layers/{name}/backward", "post", "200", "400 404 413 415")]
    [InlineData("/v1/layers/{name}/commit", "post", "200", "400 404")]
    [InlineData("/v1/layers/{name}/reset", "post", "200", "400 404")]
    [InlineData("/v1/ops/moments", "post", "200", "400 413 415")]
    [InlineData("/v1/ops/batch_normalization", "post", "200", "400 413 415")]
    public async Task EveryRouteIsDocumentedWithItsErrors(string path, string method, string success, string errors)
    {
        var document = JsonNode.Parse(await _client.GetStringAsync("/swagger/v1/swagger.json"))!;
        var operation = document["paths"]?[path]?[method];
        Assert.True(operation is not null, $"{method} {path} is not documented");
        var responses = operation!["responses"]!.AsObject();
        Assert.True(responses.ContainsKey(success), $"{method} {path} does not document {success}");
        foreach (var status in errors.Split(' '))
        {
            Assert.True(responses[status]?["content"]?["application/problem+json"] is not null, $"{method} {path} does not document problem {status}");
        }

        if (path.EndsWith("/train", StringComparison.Ordinal) || path.EndsWith("/infer", StringComparison.Ordinal))
        {
            Assert.NotNull(operation["requestBody"]?["content"]?["application/octet-stream"]);
            Assert.NotNull(responses["200"]?["content"]?["application/json"]?["schema"]);
            Assert.NotNull(responses["200"]?["content"]?["application/octet-stream"]);
        }

        if (method == "post" && !path.EndsWith("commit", StringComparison.Ordinal) && !path.EndsWith("reset", StringComparison.Ordinal))
        {
            Assert.True(operation["requestBody"]?["content"]?["application/json"]?["schema"] is not null, $"{method} {path} has no documented body");
        }
    }
}
