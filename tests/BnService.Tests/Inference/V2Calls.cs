using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using BnService.Tests.Infrastructure;

namespace BnService.Tests.Inference;

/// <summary>Requests shaped as the Open Inference Protocol's own examples, and readers of its answers.</summary>
public static class V2Calls
{
    public const string HeaderLength = "Inference-Header-Content-Length";

    /// <summary>An inference request with one FP32 input <c>input</c> in JSON (flat data), as the KServe V2 examples write it.</summary>
    public static JsonObject Request(int[] shape, float[] data, string? id = null, JsonObject? parameters = null)
    {
        var request = new JsonObject();
        if (id is not null)
        {
            request["id"] = id;
        }

        if (parameters is not null)
        {
            request["parameters"] = parameters;
        }

        request["inputs"] = new JsonArray(new JsonObject
        {
            ["name"] = "input",
            ["shape"] = new JsonArray([.. shape.Select(d => (JsonNode)d)]),
            ["datatype"] = "FP32",
            ["data"] = new JsonArray([.. data.Select(v => (JsonNode)v)]),
        });
        request["outputs"] = new JsonArray(new JsonObject { ["name"] = "output" });
        return request;
    }

    public static JsonObject Training(string? requestId = null)
    {
        var parameters = new JsonObject { ["training"] = true };
        if (requestId is not null)
        {
            parameters["request_id"] = requestId;
        }

        return parameters;
    }

    /// <summary>
    /// A binary request as tritonclient builds it, byte by byte: the JSON header (the input with
    /// <c>binary_data_size</c> instead of data), then the values as little-endian float32; the header's length in
    /// <c>Inference-Header-Content-Length</c>.
    /// </summary>
    public static HttpRequestMessage BinaryRequest(string path, JsonObject header, ReadOnlySpan<float> values)
    {
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var body = new byte[json.Length + (sizeof(float) * values.Length)];
        json.CopyTo(body, 0);
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(body.AsSpan(json.Length + (sizeof(float) * i)), values[i]);
        }

        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.Add(HeaderLength, json.Length.ToString(CultureInfo.InvariantCulture));
        return request;
    }

    /// <summary>The JSON header of a binary request: the input's shape and byte count, optionally the output asked for as binary.</summary>
    public static JsonObject BinaryHeader(int[] shape, bool binaryOutput, JsonObject? parameters = null)
    {
        var header = new JsonObject();
        if (parameters is not null)
        {
            header["parameters"] = parameters;
        }

        header["inputs"] = new JsonArray(new JsonObject
        {
            ["name"] = "input",
            ["shape"] = new JsonArray([.. shape.Select(d => (JsonNode)d)]),
            ["datatype"] = "FP32",
            ["parameters"] = new JsonObject { ["binary_data_size"] = 4 * shape.Aggregate(1, (a, b) => a * b) },
        });
        header["outputs"] = new JsonArray(new JsonObject { ["name"] = "output", ["parameters"] = new JsonObject { ["binary_data"] = binaryOutput } });
        return header;
    }

    /// <summary>A binary answer split into its JSON header and its output's float32 values.</summary>
    public static async Task<(JsonObject Header, float[] Values)> ReadBinaryAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, Encoding.UTF8.GetString(body));
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        var length = int.Parse(response.Headers.GetValues(HeaderLength).Single(), CultureInfo.InvariantCulture);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        var header = JsonNode.Parse(body.AsSpan(0, length))!.AsObject();
        var values = new float[(body.Length - length) / sizeof(float)];
        Assert.Equal(body.Length - length, sizeof(float) * values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(body.AsSpan(length + (sizeof(float) * i)));
        }

        return (header, values);
    }

    /// <summary>Float32 values of a JSON array, each parsed straight to float32.</summary>
    public static float[] Floats(JsonNode? array) => [.. array!.AsArray().Select(v => v!.GetValue<float>())];

    /// <summary>The one output of an inference response, checked for name and datatype.</summary>
    public static JsonObject Output(JsonNode response)
    {
        var output = Assert.Single(response["outputs"]!.AsArray())!.AsObject();
        Assert.Equal("output", (string?)output["name"]);
        Assert.Equal("FP32", (string?)output["datatype"]);
        return output;
    }

    public static int[] Shape(JsonNode? shape) => [.. shape!.AsArray().Select(d => (int)d!)];

    /// <summary>Asserts a problem with <paramref name="status"/> that also carries the protocol's <c>error</c> string.</summary>
    public static async Task<JsonObject> AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        var problem = await RestCalls.AssertProblemAsync(response, status, field);
        Assert.False(string.IsNullOrEmpty((string?)problem["error"]), $"no 'error' in {problem.ToJsonString()}");
        return problem;
    }

    public static float[] Batch(int seed, int count)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 8) - 4))];
    }
}
