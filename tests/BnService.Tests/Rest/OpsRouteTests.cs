using System.Net;
using System.Text.Json.Nodes;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Rest;

/// <summary>The stateless /v1/ops routes: success against a float64 reference, and their error statuses.</summary>
[Collection(SharedServiceCollection.Name)]
public class OpsRouteTests(SharedService factory)
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task MomentsMatchAFloat64Reference()
    {
        float[] data = [1, 10, 3, 30, 2, 20];
        var answer = await ReadJsonAsync(await _client.PostAsync("/v1/ops/moments",
            Json(new JsonObject { ["input"] = Tensor([3, 2], data), ["axes"] = new JsonArray(0), ["keep_dims"] = true })));
        Assert.Equal([1, 2], answer["mean"]!["shape"]!.AsArray().Select(d => (int)d!));
        AssertClose([2.0, 20.0], Floats(answer["mean"]));
        AssertClose([2.0 / 3, 200.0 / 3], Floats(answer["variance"]));
    }

    [Fact]
    public async Task BatchNormalizationMatchesAFloat64Reference()
    {
        var answer = await ReadJsonAsync(await _client.PostAsync("/v1/ops/batch_normalization", Json(new JsonObject
        {
            ["x"] = Tensor([2, 2], [1, 2, 3, 4]),
            ["mean"] = Tensor([2], [2, 3]),
            ["variance"] = Tensor([2], [1, 4]),
            ["scale"] = Tensor([2], [2, 1]),
            ["variance_epsilon"] = 0.0,
        })));
        AssertClose([-2.0, -0.5, 2.0, 0.5], Floats(answer["output"]));
    }

    [Theory]
    [InlineData("moments", """{"input": {"shape": [2, 2], "data": [1, 2, 3, 4]}, "axes": [2]}""")]
    [InlineData("moments", """{"input": {"shape": [2, 2], "data": [1, 2, 3]}, "axes": [0]}""")]
    [InlineData("moments", """{"input": {"shape": [2, 2], "data": [1, 2, 3, 4]}}""")]
    [InlineData("moments", """{"input": {"shape": [2, 2], "data": [1, 2, 3, 4]}, "axes": "0"}""")]
    [InlineData("batch_normalization", """{"x": {"shape": [2, 2], "data": [1, 2, 3, 4]}, "mean": {"shape": [3], "data": [0, 0, 0]}, "variance": {"shape": [2], "data": [1, 1]}, "variance_epsilon": 0.001}""")]
    [InlineData("batch_normalization", """{"x": {"shape": [2, 2], "data": [1, 2, 3, 4]}, "mean": {"shape": [2], "data": [0, 0]}, "variance": {"shape": [2], "data": [1, 1]}}""")]
    public async Task BadOpRequestsAre400(string op, string body)
    {
        await AssertProblemAsync(await _client.PostAsync($"/v1/ops/{op}", Json(body)), HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("moments")]
    [InlineData("batch_normalization")]
    public async Task OpsTakeOnlyJson(string op)
    {
        await AssertProblemAsync(await _client.PostAsync($"/v1/ops/{op}", Binary([2, 2], [1, 2, 3, 4])), HttpStatusCode.UnsupportedMediaType);
    }

    private static void AssertClose(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
