using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using BnService.Tests.Grpc;
using BnTestSupport;

namespace BnService.Tests.Infrastructure;

/// <summary>Small helpers for calling the REST API in tests: JSON bodies, tensors, problem-details checks.</summary>
public static class RestCalls
{
    public static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    public static JsonObject Tensor(int[] shape, float[] data) =>
        new() { ["shape"] = new JsonArray([.. shape.Select(d => (JsonNode)d)]), ["data"] = new JsonArray([.. data.Select(v => (JsonNode)v)]) };

    public static ByteArrayContent Binary(int[] shape, float[] data)
    {
        var content = new ByteArrayContent(MemoryMarshal.AsBytes(data.AsSpan()).ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add("X-Tensor-Shape", string.Join(',', shape));
        return content;
    }

    public static float[] Floats(JsonNode? tensor) => [.. tensor!["data"]!.AsArray().Select(v => (float)v!)];

    public static double[] Doubles(JsonNode? array) => [.. array!.AsArray().Select(v => (double)v!)];

    /// <summary>A golden <c>state</c> step: the layer's REST body against the step's <c>expect</c> (arrays within the tolerance, counters exactly).</summary>
    public static async Task AssertGoldenStateAsync(HttpClient http, string name, JsonNode step, Tolerance tolerance, string what)
    {
        var layer = await ReadJsonAsync(await http.GetAsync(new Uri($"/v1/layers/{name}", UriKind.Relative)));
        foreach (var (field, expected) in step["expect"]!.AsObject())
        {
            if (expected is JsonArray)
            {
                tolerance.AssertClose(expected, Doubles(layer[field]), $"{what} {field}");
            }
            else
            {
                Assert.True((long)expected! == (long)layer[field]!, $"{what} {field}: expected {expected}, got {layer[field]}");
            }
        }
    }

    public static async Task<JsonNode> ReadJsonAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>Asserts an RFC 9457 problem with the status and, when given, an error entry for the field.</summary>
    public static async Task<JsonObject> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.Equal((int)status, (int)problem["status"]!);
        Assert.False(string.IsNullOrEmpty((string?)problem["title"]));
        if (field is not null)
        {
            Assert.True(problem["errors"]?[field] is JsonArray { Count: > 0 }, $"expected errors[{field}] in {text}");
        }

        return problem;
    }

    /// <summary>Creates a layer from a config object and returns the layer representation.</summary>
    public static async Task<JsonObject> CreateLayerAsync(HttpClient client, JsonObject config)
    {
        using var response = await client.PostAsync("/v1/layers", Json(config));
        return (await ReadJsonAsync(response, HttpStatusCode.Created)).AsObject();
    }
}
