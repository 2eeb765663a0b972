using System.Net;
using System.Net.Http.Headers;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Rest;

/// <summary>
/// A REST route answers with problem details whatever content type the client claims: a gRPC content type on a REST
/// route is still a REST request (415, 404), never a 500; on a path that is no route, gRPC answers it (UNIMPLEMENTED), as it
/// answers its known methods.
/// </summary>
[Collection(SharedServiceCollection.Name)]
public class GrpcContentTypeTests(SharedService factory)
{
    public static readonly TheoryData<string> GrpcTypes = new()
    {
        "application/grpc", "application/grpc+proto", "application/grpc; charset=utf-8", "application/grpc-web", "application/grpc-web-text",
    };

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
        Assert.Equal("12", Assert.Single(GrpcStatus(response)));
    }

    /// <summary>
    /// A known gRPC method called with a gRPC content type is gRPC's to answer: the call's answer for
    /// <c>application/grpc</c> and its forms, gRPC's refusal (415 with a gRPC status) for gRPC-Web, which the service
    /// does not enable.
    /// </summary>
    [Theory]
    [MemberData(nameof(GrpcTypes))]
    public async Task AKnownMethodIsGrpcsToAnswer(string type)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/bn.v1.BatchNorm/ListLayers") { Content = Content(type), Version = HttpVersion.Version20 };
        using var response = await _client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        var status = Assert.Single(GrpcStatus(response));
        if (type.StartsWith("application/grpc-web", StringComparison.Ordinal))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
            Assert.Equal("13", status);
        }
        else
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("0", status);
        }
    }

    [Fact]
    public async Task AnUnknownRouteOfAnotherTypeIsAProblem()
    {
        using var response = await _client.PostAsync("/v1/nothing", Content("application/octet-stream"));
        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    /// <summary>The gRPC status of an answer: in its headers (trailers only), or in its trailers.</summary>
    private static IEnumerable<string> GrpcStatus(HttpResponseMessage response) =>
        response.Headers.TryGetValues("grpc-status", out var values) ? values
        : response.TrailingHeaders.TryGetValues("grpc-status", out values) ? values : [];

    private static ByteArrayContent Content(string type)
    {
        var content = new ByteArrayContent([0, 0, 0, 0, 0]);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        return content;
    }
}
