using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Inference.V2Calls;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Inference;

/// <summary>Triton's binary tensor data extension on /v2: requests built byte by byte as tritonclient builds them.</summary>
[Collection(SharedServiceCollection.Name)]
public class InferenceBinaryTests(SharedService factory)
{
    private static readonly int[] Shape = [3, 2, 2, 4];

    private readonly HttpClient _client = factory.CreateClient();

    private async Task<string> LayerAsync(string prefix)
    {
        var name = LayerNames.Unique(prefix);
        await CreateLayerAsync(_client, new JsonObject { ["name"] = name, ["channels"] = 4, ["convention"] = "pytorch", ["activation"] = "relu" });
        await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/train", Json(new JsonObject { ["input"] = Tensor(Shape, Batch(1, 48)) })));
        return name;
    }

    private async Task<float[]> V1InferAsync(string name, float[] data) =>
        RestCalls.Floats((await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/infer", Json(new JsonObject { ["input"] = Tensor(Shape, data) }))))["output"]);

    [Fact]
    public async Task BinaryInBinaryOutEqualsV1()
    {
        var name = await LayerAsync("v2-bin");
        var probe = Batch(2, 48);
        using var request = BinaryRequest($"/v2/models/{name}/infer", BinaryHeader(Shape, binaryOutput: true), probe);
        using var response = await _client.SendAsync(request);
        var (header, values) = await ReadBinaryAsync(response);

        var output = Output(header);
        Assert.Equal(Shape, V2Calls.Shape(output["shape"]));
        Assert.Equal(4 * 48, (int)output["parameters"]!["binary_data_size"]!);
        Assert.Null(output["data"]);
        Assert.Equal(await V1InferAsync(name, probe), values);
    }

    [Fact]
    public async Task BinaryInJsonOutAndJsonInBinaryOut()
    {
        var name = await LayerAsync("v2-bin-mixed");
        var probe = Batch(3, 48);
        var expected = await V1InferAsync(name, probe);

        using var binaryIn = BinaryRequest($"/v2/models/{name}/infer", BinaryHeader(Shape, binaryOutput: false), probe);
        using var jsonOut = await _client.SendAsync(binaryIn);
        Assert.Equal("application/json", jsonOut.Content.Headers.ContentType?.MediaType);
        Assert.Equal(expected, V2Calls.Floats(Output(await ReadJsonAsync(jsonOut))["data"]));

        // binary_data_output on the request asks for every output in binary.
        var body = Request(Shape, probe, parameters: new JsonObject { ["binary_data_output"] = true });
        body.Remove("outputs");
        using var binaryOut = await _client.PostAsync($"/v2/models/{name}/infer", Json(body));
        var (_, values) = await ReadBinaryAsync(binaryOut);
        Assert.Equal(expected, values);
    }

    [Fact]
    public async Task BinaryTrainingEqualsV1Train()
    {
        var v1 = await LayerAsync("v2-bin-train-v1");
        var v2 = await LayerAsync("v2-bin-train-v2");
        var batch = Batch(4, 48);
        var expected = await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{v1}/train", Json(new JsonObject { ["input"] = Tensor(Shape, batch) })));

        using var request = BinaryRequest($"/v2/models/{v2}/infer", BinaryHeader(Shape, binaryOutput: true, Training()), batch);
        using var response = await _client.SendAsync(request);
        var (header, values) = await ReadBinaryAsync(response);
        Assert.Equal(RestCalls.Floats(expected["output"]), values);
        Assert.Equal(2, (long)header["parameters"]!["step"]!);
        Assert.Equal(0, (long)header["parameters"]!["pending_updates"]!);
    }

    [Fact]
    public async Task LargeBatchesInReusedArraysAnswerEachTheirOwn()
    {
        // 128 KiB batches: their arrays go back to the pool after each answer and serve the next calls.
        int[] shape = [32, 16, 16, 4];
        var name = await LayerAsync("v2-bin-large");
        for (var i = 0; i < 4; i++)
        {
            var probe = Batch(100 + i, 32 * 16 * 16 * 4);
            var expected = RestCalls.Floats((await ReadJsonAsync(await _client.PostAsync($"/v1/layers/{name}/infer",
                Json(new JsonObject { ["input"] = Tensor(shape, probe) }))))["output"]);
            using var request = BinaryRequest($"/v2/models/{name}/infer", BinaryHeader(shape, binaryOutput: i % 2 == 0), probe);
            using var response = await _client.SendAsync(request);
            var values = i % 2 == 0 ? (await ReadBinaryAsync(response)).Values : V2Calls.Floats(Output(await ReadJsonAsync(response))["data"]);
            Assert.Equal(expected, values);
        }
    }

    [Fact]
    public async Task BadBinaryBodiesAre400AndChangeNothing()
    {
        var name = await LayerAsync("v2-bin-bad");
        var path = $"/v2/models/{name}/infer";
        var values = Batch(5, 48);

        // binary_data_size that is not the shape's bytes.
        var header = BinaryHeader(Shape, binaryOutput: false, Training());
        header["inputs"]![0]!["parameters"]!["binary_data_size"] = 4 * 47;
        using (var request = BinaryRequest(path, header, values.AsSpan(0, 47)))
        {
            await AssertErrorAsync(await _client.SendAsync(request), HttpStatusCode.BadRequest, "inputs[0].parameters.binary_data_size");
        }

        // Fewer bytes than binary_data_size names.
        using (var request = BinaryRequest(path, BinaryHeader(Shape, binaryOutput: false, Training()), values.AsSpan(0, 40)))
        {
            await AssertErrorAsync(await _client.SendAsync(request), HttpStatusCode.BadRequest, "inputs[0].parameters.binary_data_size");
        }

        // More bytes than the header and binary_data_size name.
        using (var request = BinaryRequest(path, BinaryHeader(Shape, binaryOutput: false, Training()), [.. values, 1f]))
        {
            await AssertErrorAsync(await _client.SendAsync(request), HttpStatusCode.BadRequest, "body");
        }

        // A header length that is not a number, or longer than the body.
        foreach (var length in new[] { "abc", "-3", "100000" })
        {
            using var request = BinaryRequest(path, BinaryHeader(Shape, binaryOutput: false, Training()), values);
            request.Headers.Remove(HeaderLength);
            request.Headers.Add(HeaderLength, length);
            await AssertErrorAsync(await _client.SendAsync(request), HttpStatusCode.BadRequest, HeaderLength);
        }

        // binary_data_size without the header: nothing tells where the JSON ends.
        var json = BinaryHeader(Shape, binaryOutput: false, Training());
        await AssertErrorAsync(await _client.PostAsync(path, Json(json)), HttpStatusCode.BadRequest, "inputs[0].parameters.binary_data_size");

        // Both data and binary_data_size.
        var both = BinaryHeader(Shape, binaryOutput: false, Training());
        both["inputs"]![0]!["data"] = new JsonArray([.. values.Select(v => (JsonNode)v)]);
        using (var request = BinaryRequest(path, both, values))
        {
            await AssertErrorAsync(await _client.SendAsync(request), HttpStatusCode.BadRequest, "inputs[0].data");
        }

        Assert.Equal(1, (int)(await ReadJsonAsync(await _client.GetAsync($"/v1/layers/{name}")))["step"]!);
    }

    [Fact]
    public async Task AHeaderWithJsonDataNeedsNoBinaryPart()
    {
        // The header may carry the input as JSON: the body is then the header alone.
        var name = await LayerAsync("v2-bin-json");
        var probe = Batch(6, 48);
        var json = Encoding.UTF8.GetBytes(Request(Shape, probe).ToJsonString());
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v2/models/{name}/infer") { Content = new ByteArrayContent(json) };
        request.Headers.Add(HeaderLength, json.Length.ToString(CultureInfo.InvariantCulture));
        var answer = await ReadJsonAsync(await _client.SendAsync(request));
        Assert.Equal(await V1InferAsync(name, probe), V2Calls.Floats(Output(answer)["data"]));
    }

    [Fact]
    public async Task TheTestRequestIsLaidOutAsTheExtensionSays()
    {
        // JSON header, then exactly the values as little-endian float32: check the builder itself.
        using var request = BinaryRequest("/v2/models/m/infer", BinaryHeader([1, 2], binaryOutput: true), [1.5f, -2f]);
        var body = await request.Content!.ReadAsByteArrayAsync();
        var length = int.Parse(request.Headers.GetValues(HeaderLength).Single(), CultureInfo.InvariantCulture);
        Assert.Equal('{', (char)body[0]);
        Assert.Equal('}', (char)body[length - 1]);
        Assert.Equal(length + 8, body.Length);
        Assert.Equal(1.5f, BinaryPrimitives.ReadSingleLittleEndian(body.AsSpan(length)));
        Assert.Equal(new byte[] { 0, 0, 0, 0xC0 }, body[(length + 4)..]);
    }
}
