using System.Net;
using System.Net.Http.Headers;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Rest;

/// <summary>
/// A REST route answers with problem details whatever content type the client claims: a gRPC content type on a REST
/// route is still a REST request (415, 404), never a 500; on a path that is no route, gRPC answers it (UNIMPLEMENTED).
/// </summary>
[Collection(SharedServiceCollection.Name)]
public class GrpcContentTypeTests(SharedService factory)
{
    public static readonly TheoryData<string> GrpcTypes = new() { "application/grpc", "application/grpc+proto", "application/grpc-web" };

    private readonly HttpClient _client = factory.CreateClient();

    [Theory]
    [MemberData(nameof(GrpcTypes))]
    public async Task ACreateSentAsGrpcIsUnsupportedMediaType(string type)
    {
        using var response = await _client.PostAsync("/v1/layers", Content(type));
        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Theory]
    [MemberData(nameof(GrpcTypes))]
    public async Task AnUnknownLayerIsNotFound(string type)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/layers/{LayerNames.Unique("none")}") { Content = Content(type) };
        using var response = await _client.SendAsync(request);
        await AssertProblemAsync(response, HttpStatusCode.NotFound, "name");
    }

    [Theory]
    [MemberData(nameof(GrpcTypes))]
    public async Task AnUnknownPathIsGrpcsUnimplementedMethod(string type)
    {
        using var response = await _client.PostAsync("/v1/nothing", Content(type));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var status = response.Headers.TryGetValues("grpc-status", out var values) ? values : response.TrailingHeaders.GetValues("grpc-status");
        Assert.Equal("12", Assert.Single(status));
    }

    [Fact]
    public async Task AnUnknownRouteOfAnotherTypeIsAProblem()
    {
        using var response = await _client.PostAsync("/v1/nothing", Content("application/octet-stream"));
        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    private static ByteArrayContent Content(string type)
    {
        var content = new ByteArrayContent([0, 0, 0, 0, 0]);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return content;
    }
}
