using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Rest;

/// <summary>
/// Errors are problem details whatever the client's Accept header asks for: the binary path sends
/// <c>Accept: application/octet-stream</c>, and a 404 stays a 404 (not a 500) with a problem+json body.
/// </summary>
[Collection(SharedServiceCollection.Name)]
public class ProblemAcceptTests(SharedService factory)
{
    public static readonly TheoryData<string> NonJsonAccepts = new() { "application/octet-stream", "text/plain" };

    private readonly HttpClient _client = factory.CreateClient();

    private async Task<string> LayerAsync()
    {
        var name = LayerNames.Unique("accept");
        await CreateLayerAsync(_client, new JsonObject { ["name"] = name, ["channels"] = 4 });
        return name;
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string route, string accept, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, route) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        return _client.SendAsync(request);
    }

    private static ByteArrayContent BinaryWithShape(string shape, int bytes = 0)
    {
        var content = new ByteArrayContent(new byte[bytes]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add("X-Tensor-Shape", shape);
        return content;
    }

    [Theory]
    [MemberData(nameof(NonJsonAccepts))]
    public async Task ABadRequestIs400WithAProblem(string accept)
    {
        var name = await LayerAsync();
        using var badShape = await SendAsync(HttpMethod.Post, $"/v1/layers/{name}/infer", accept, BinaryWithShape("two,4"));
        await AssertProblemAsync(badShape, HttpStatusCode.BadRequest, "X-Tensor-Shape");
        using var badJson = await SendAsync(HttpMethod.Post, $"/v1/layers/{name}/train", accept, Json("{\"input\": 3}"));
        await AssertProblemAsync(badJson, HttpStatusCode.BadRequest, "input");
    }

    [Theory]
    [MemberData(nameof(NonJsonAccepts))]
    public async Task AnUnknownLayerIs404WithAProblem(string accept)
    {
        var missing = LayerNames.Unique("nope");
        using var infer = await SendAsync(HttpMethod.Post, $"/v1/layers/{missing}/infer", accept, Binary([2, 4], new float[8]));
        await AssertProblemAsync(infer, HttpStatusCode.NotFound, "name");
        using var train = await SendAsync(HttpMethod.Post, $"/v1/layers/{missing}/train", accept, Binary([2, 4], new float[8]));
        await AssertProblemAsync(train, HttpStatusCode.NotFound, "name");
        using var delete = await SendAsync(HttpMethod.Delete, $"/v1/layers/{missing}", accept);
        await AssertProblemAsync(delete, HttpStatusCode.NotFound, "name");
        using var get = await SendAsync(HttpMethod.Get, $"/v1/layers/{missing}", accept);
        await AssertProblemAsync(get, HttpStatusCode.NotFound, "name");
    }

    [Theory]
    [MemberData(nameof(NonJsonAccepts))]
    public async Task AConflictIs409WithAProblem(string accept)
    {
        var name = await LayerAsync();
        using var again = await SendAsync(HttpMethod.Post, "/v1/layers", accept, Json(new JsonObject { ["name"] = name, ["channels"] = 4 }));
        await AssertProblemAsync(again, HttpStatusCode.Conflict, "name");
    }

    [Theory]
    [MemberData(nameof(NonJsonAccepts))]
    public async Task ATooLargeBatchIs413WithAProblem(string accept)
    {
        var name = await LayerAsync();
        using var response = await SendAsync(HttpMethod.Post, $"/v1/layers/{name}/train", accept, BinaryWithShape("100000000,4"));
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "X-Tensor-Shape");
    }

    [Theory]
    [MemberData(nameof(NonJsonAccepts))]
    public async Task AWrongContentTypeIs415WithAProblem(string accept)
    {
        var name = await LayerAsync();
        using var response = await SendAsync(HttpMethod.Post, $"/v1/layers/{name}/infer", accept, new StringContent("1,2,3,4", Encoding.UTF8, "text/plain"));
        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Theory]
    [MemberData(nameof(NonJsonAccepts))]
    public async Task AnUnknownRouteIs404WithAProblem(string accept)
    {
        using var response = await SendAsync(HttpMethod.Get, "/v1/nothing-here", accept);
        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TheProblemHasTheSameShapeWhateverTheAcceptHeader()
    {
        var name = await LayerAsync();
        var asJson = await AssertProblemAsync(await SendAsync(HttpMethod.Post, $"/v1/layers/{name}/infer", "application/json", BinaryWithShape("0,4")),
            HttpStatusCode.BadRequest, "X-Tensor-Shape");
        var asBinary = await AssertProblemAsync(await SendAsync(HttpMethod.Post, $"/v1/layers/{name}/infer", "application/octet-stream", BinaryWithShape("0,4")),
            HttpStatusCode.BadRequest, "X-Tensor-Shape");

        Assert.Equal(asJson.Select(p => p.Key).Order(StringComparer.Ordinal), asBinary.Select(p => p.Key).Order(StringComparer.Ordinal));
        foreach (var member in new[] { "type", "title", "status", "detail" })
        {
            Assert.Equal(asJson[member]!.ToJsonString(), asBinary[member]!.ToJsonString());
        }

        Assert.Equal(asJson["errors"]!.ToJsonString(), asBinary["errors"]!.ToJsonString());
        Assert.False(string.IsNullOrEmpty((string?)asBinary["trace_id"]));
        // A W3C trace id (the request's Activity), the one log lines carry, not the server's connection-local request id.
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", (string?)asBinary["trace_id"]);
    }
}
