using System.Globalization;
using System.Net;
using System.Text;
using BnService.Tests.Hostile;
using static BnService.Tests.Hostile.RestCase;

namespace BnService.Tests.Inference;

/// <summary>
/// Malformed Open Inference Protocol requests on the hostile host (1,024 float32 values a tensor, 16 KiB JSON): each
/// answers its status with a problem that carries <c>error</c>, leaves every layer as it was, and logs no fault.
/// </summary>
public sealed class InferenceHostileTests(HostileService service) : IClassFixture<HostileService>
{
    private const string Infer = "/v2/models/{target}/infer";
    private const string Input = """{"name": "input", "shape": [2, 4], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6, 7, 8]}""";
    private const string Train = "\"parameters\": {\"training\": true}";

    private static readonly HttpMethod Post = HttpMethod.Post;
    private static readonly HttpMethod Get = HttpMethod.Get;

    /// <summary>A training request with <paramref name="input"/> as its one input.</summary>
    private static Func<HttpContent?> Training(string input) => Json($$$"""{{{{Train}}}, "inputs": [{{{input}}}]}""");

    /// <summary>A binary body: the JSON header, then <paramref name="values"/>; the header's length as given, or its own.</summary>
    private static Func<HttpContent?> Binary(string header, float[] values, string? headerLength = null) =>
        RestCase.Binary(null, [.. Encoding.UTF8.GetBytes(header), .. Floats(values)],
            ("Inference-Header-Content-Length", headerLength ?? Encoding.UTF8.GetByteCount(header).ToString(CultureInfo.InvariantCulture)));

    private static string BinaryInput(string size) =>
        $$$"""{{{{Train}}}, "inputs": [{"name": "input", "shape": [2, 4], "datatype": "FP32", "parameters": {"binary_data_size": {{{size}}}}}]}""";

    private static readonly float[] Eight = [1, 2, 3, 4, 5, 6, 7, 8];

    public static readonly IReadOnlyList<RestCase> All =
    [
        new("truncated JSON", Post, Infer, Json($$$"""{{{{Train}}}, "inputs": [{{{Input}}}"""), HttpStatusCode.BadRequest),
        new("empty body", Post, Infer, Json(""), HttpStatusCode.BadRequest),
        new("JSON null", Post, Infer, Json("null"), HttpStatusCode.BadRequest),
        new("JSON array", Post, Infer, Json("[1, 2]"), HttpStatusCode.BadRequest),
        new("trailing garbage", Post, Infer, Json($$$"""{{{{Train}}}, "inputs": [{{{Input}}}]} xyz"""), HttpStatusCode.BadRequest),
        new("invalid UTF-8", Post, Infer, Typed("{\"id\": \"\u00ff\"}", null), HttpStatusCode.BadRequest),
        new("id a number", Post, Infer, Json($$$"""{"id": 42, {{{Train}}}, "inputs": [{{{Input}}}]}"""), HttpStatusCode.BadRequest, "id"),
        new("inputs null", Post, Infer, Json($$$"""{{{{Train}}}, "inputs": null}"""), HttpStatusCode.BadRequest, "inputs"),
        new("inputs an object", Post, Infer, Json($$$"""{{{{Train}}}, "inputs": {{{Input}}}}"""), HttpStatusCode.BadRequest, "inputs"),
        new("input a string", Post, Infer, Training("\"input\""), HttpStatusCode.BadRequest, "inputs[0]"),
        new("name null", Post, Infer, Training("""{"name": null, "shape": [2, 4], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6, 7, 8]}"""), HttpStatusCode.BadRequest, "inputs[0].name"),
        new("datatype FP16", Post, Infer, Training("""{"name": "input", "shape": [2, 4], "datatype": "FP16", "data": [1, 2, 3, 4, 5, 6, 7, 8]}"""), HttpStatusCode.BadRequest, "inputs[0].datatype"),
        new("datatype fp32", Post, Infer, Training("""{"name": "input", "shape": [2, 4], "datatype": "fp32", "data": [1, 2, 3, 4, 5, 6, 7, 8]}"""), HttpStatusCode.BadRequest, "inputs[0].datatype"),
        new("shape of strings", Post, Infer, Training("""{"name": "input", "shape": ["2", "4"], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6, 7, 8]}"""), HttpStatusCode.BadRequest, "inputs[0].shape"),
        new("shape 1e30", Post, Infer, Training("""{"name": "input", "shape": [1e30, 4], "datatype": "FP32", "data": [1]}"""), HttpStatusCode.BadRequest, "inputs[0].shape"),
        new("shape negative", Post, Infer, Training("""{"name": "input", "shape": [-2, 4], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6, 7, 8]}"""), HttpStatusCode.BadRequest, "inputs[0].shape"),
        new("shape -1", Post, Infer, Training("""{"name": "input", "shape": [-1, 4], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6, 7, 8]}"""), HttpStatusCode.BadRequest, "inputs[0].shape"),
        new("shape zero", Post, Infer, Training("""{"name": "input", "shape": [0, 4], "datatype": "FP32", "data": []}"""), HttpStatusCode.BadRequest, "inputs[0].shape"),
        new("shape rank 6", Post, Infer, Training("""{"name": "input", "shape": [1, 1, 1, 1, 2, 4], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6, 7, 8]}"""), HttpStatusCode.BadRequest, "inputs[0].shape"),
        new("shape past int", Post, Infer, Training("""{"name": "input", "shape": [4294967296, 4294967296, 4], "datatype": "FP32", "data": [1]}"""), HttpStatusCode.BadRequest, "inputs[0].shape"),
        new("wrong channels", Post, Infer, Training("""{"name": "input", "shape": [4, 2], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6, 7, 8]}"""), HttpStatusCode.BadRequest),
        new("data holds null", Post, Infer, Training("""{"name": "input", "shape": [2, 4], "datatype": "FP32", "data": [1, 2, 3, null, 5, 6, 7, 8]}"""), HttpStatusCode.BadRequest, "inputs[0].data"),
        new("data holds true", Post, Infer, Training("""{"name": "input", "shape": [2, 4], "datatype": "FP32", "data": [1, 2, 3, true, 5, 6, 7, 8]}"""), HttpStatusCode.BadRequest, "inputs[0].data"),
        new("data holds an object", Post, Infer, Training("""{"name": "input", "shape": [2, 4], "datatype": "FP32", "data": [[1, 2, 3, 4], {"x": 1}]}"""), HttpStatusCode.BadRequest, "inputs[0].data"),
        new("data 1e39 (past float32)", Post, Infer, Training("""{"name": "input", "shape": [2, 4], "datatype": "FP32", "data": [1, 2, 3, 1e39, 5, 6, 7, 8]}"""), HttpStatusCode.BadRequest, "input"),
        new("data a string", Post, Infer, Training("""{"name": "input", "shape": [2, 4], "datatype": "FP32", "data": "12345678"}"""), HttpStatusCode.BadRequest, "inputs[0].data"),
        new("data nested 200 deep", Post, Infer, Training($$$"""{"name": "input", "shape": [1, 1], "datatype": "FP32", "data": {{{new string('[', 200)}}}1{{{new string(']', 200)}}}}"""), HttpStatusCode.BadRequest),
        new("data short", Post, Infer, Training("""{"name": "input", "shape": [2, 4], "datatype": "FP32", "data": [[1, 2, 3, 4], [5, 6, 7]]}"""), HttpStatusCode.BadRequest, "inputs[0].data"),
        new("data ragged (the right count)", Post, Infer, Training("""{"name": "input", "shape": [2, 4], "datatype": "FP32", "data": [[1, 2], [3, 4, 5, 6, 7, 8]]}"""), HttpStatusCode.BadRequest, "inputs[0].data"),
        new("data nested across the shape", Post, Infer, Training("""{"name": "input", "shape": [2, 4], "datatype": "FP32", "data": [[1, 2], [3, 4], [5, 6], [7, 8]]}"""), HttpStatusCode.BadRequest, "inputs[0].data"),
        new("data numbers beside arrays", Post, Infer, Training("""{"name": "input", "shape": [2, 4], "datatype": "FP32", "data": [1, 2, 3, 4, [5, 6, 7, 8]]}"""), HttpStatusCode.BadRequest, "inputs[0].data"),
        new("data over the batch limit", Post, Infer, Training($$$"""{"name": "input", "shape": [2, 4], "datatype": "FP32", "data": [{{{string.Join(',', Enumerable.Repeat("1", 1100))}}}]}"""), HttpStatusCode.RequestEntityTooLarge, "inputs[0].data"),
        new("shape over the batch limit", Post, Infer, Training("""{"name": "input", "shape": [1024, 4], "datatype": "FP32", "data": [1]}"""), HttpStatusCode.RequestEntityTooLarge, "inputs[0]"),
        new("body over the JSON limit", Post, Infer, Json($$$"""{"id": "{{{new string('x', 20000)}}}", "inputs": [{{{Input}}}]}"""), HttpStatusCode.RequestEntityTooLarge),
        new("parameters an array", Post, Infer, Json($$$"""{"parameters": [true], "inputs": [{{{Input}}}]}"""), HttpStatusCode.BadRequest, "parameters"),
        new("parameter null", Post, Infer, Json($$$"""{"parameters": {"training": null}, "inputs": [{{{Input}}}]}"""), HttpStatusCode.BadRequest, "parameters.training"),
        new("parameter an object", Post, Infer, Json($$$"""{"parameters": {"training": {"on": true}}, "inputs": [{{{Input}}}]}"""), HttpStatusCode.BadRequest, "parameters.training"),
        new("parameter 1e400", Post, Infer, Json($$$"""{"parameters": {"training": true, "x": 1e400}, "inputs": [{{{Input}}}]}"""), HttpStatusCode.BadRequest, "parameters.x"),
        new("training 1", Post, Infer, Json($$$"""{"parameters": {"training": 1}, "inputs": [{{{Input}}}]}"""), HttpStatusCode.BadRequest, "parameters.training"),
        new("Triton priority", Post, Infer, Json($$$"""{"parameters": {"training": true, "priority": 1}, "inputs": [{{{Input}}}]}"""), HttpStatusCode.BadRequest, "parameters.priority"),
        new("shared memory input", Post, Infer, Training("""{"name": "input", "shape": [2, 4], "datatype": "FP32", "parameters": {"shared_memory_region": "r0"}}"""), HttpStatusCode.BadRequest, "inputs[0].parameters.shared_memory_region"),
        new("classification output", Post, Infer, Json($$$"""{{{{Train}}}, "inputs": [{{{Input}}}], "outputs": [{"name": "output", "parameters": {"classification": 3}}]}"""), HttpStatusCode.BadRequest, "outputs[0].parameters.classification"),
        new("output twice", Post, Infer, Json($$$"""{{{{Train}}}, "inputs": [{{{Input}}}], "outputs": [{"name": "output"}, {"name": "output"}]}"""), HttpStatusCode.BadRequest, "outputs[1]"),
        new("request_id empty", Post, Infer, Json($$$"""{"parameters": {"training": true, "request_id": ""}, "inputs": [{{{Input}}}]}"""), HttpStatusCode.BadRequest, "request_id"),
        new("request_id 300 characters", Post, Infer, Json($$$"""{"parameters": {"training": true, "request_id": "{{{new string('r', 300)}}}"}, "inputs": [{{{Input}}}]}"""), HttpStatusCode.BadRequest, "request_id"),
        new("request_id control character", Post, Infer, Json($$$"""{"parameters": {"training": true, "request_id": "a\u0007b"}, "inputs": [{{{Input}}}]}"""), HttpStatusCode.BadRequest, "request_id"),
        new("request_id a number", Post, Infer, Json($$$"""{"parameters": {"training": true, "request_id": 7}, "inputs": [{{{Input}}}]}"""), HttpStatusCode.BadRequest, "parameters.request_id"),
        new("model_name differs", Post, Infer, Json($$$"""{"model_name": "other", {{{Train}}}, "inputs": [{{{Input}}}]}"""), HttpStatusCode.BadRequest, "model_name"),
        new("gzip body", Post, Infer, () =>
        {
            var content = Json($$$"""{{{{Train}}}, "inputs": [{{{Input}}}]}""")();
            content!.Headers.ContentEncoding.Add("gzip");
            return content;
        }, HttpStatusCode.UnsupportedMediaType),
        new("binary: NaN value", Post, Infer, Binary(BinaryInput("32"), [1, 2, float.NaN, 4, 5, 6, 7, 8]), HttpStatusCode.BadRequest),
        new("binary: infinite value", Post, Infer, Binary(BinaryInput("32"), [1, 2, 3, 4, float.PositiveInfinity, 6, 7, 8]), HttpStatusCode.BadRequest),
        new("binary: size negative", Post, Infer, Binary(BinaryInput("-32"), Eight), HttpStatusCode.BadRequest, "inputs[0].parameters.binary_data_size"),
        new("binary: size a string", Post, Infer, Binary(BinaryInput("\"32\""), Eight), HttpStatusCode.BadRequest, "inputs[0].parameters.binary_data_size"),
        new("binary: size fractional", Post, Infer, Binary(BinaryInput("32.5"), Eight), HttpStatusCode.BadRequest, "inputs[0].parameters.binary_data_size"),
        new("binary: size huge", Post, Infer, Binary(BinaryInput("1000000000000"), Eight), HttpStatusCode.BadRequest, "inputs[0].parameters.binary_data_size"),
        new("binary: header length 0", Post, Infer, Binary(BinaryInput("32"), Eight, "0"), HttpStatusCode.BadRequest, "Inference-Header-Content-Length"),
        new("binary: header length past long", Post, Infer, Binary(BinaryInput("32"), Eight, "99999999999999999999999"), HttpStatusCode.BadRequest, "Inference-Header-Content-Length"),
        new("binary: header length past the JSON limit", Post, Infer, Binary(BinaryInput("32"), Eight, "100000"), HttpStatusCode.RequestEntityTooLarge, "Inference-Header-Content-Length"),
        new("binary: header length cuts the JSON", Post, Infer, Binary(BinaryInput("32"), Eight, "20"), HttpStatusCode.BadRequest),
        new("binary: header length takes binary bytes", Post, Infer, Binary(BinaryInput("32"), Eight, (Encoding.UTF8.GetByteCount(BinaryInput("32")) + 4).ToString(CultureInfo.InvariantCulture)), HttpStatusCode.BadRequest),
        new("binary: header length twice", Post, Infer, () =>
        {
            var content = Binary(BinaryInput("32"), Eight)();
            content!.Headers.TryAddWithoutValidation("Inference-Header-Content-Length", "5");
            return content;
        }, HttpStatusCode.BadRequest, "Inference-Header-Content-Length"),
        new("unknown model", Post, "/v2/models/hostile.missing/infer", Training(Input), HttpStatusCode.NotFound),
        new("bad model name", Post, "/v2/models/a%20b/infer", Training(Input), HttpStatusCode.BadRequest, "name"),
        new("version 2", Post, "/v2/models/{target}/versions/2/infer", Training(Input), HttpStatusCode.NotFound),
        new("metadata of a bad name", Get, "/v2/models/-x", NoBody, HttpStatusCode.BadRequest, "name"),
        new("ready of an unknown model", Get, "/v2/models/hostile.missing/ready", NoBody, HttpStatusCode.NotFound),
        new("GET infer", Get, Infer, NoBody, HttpStatusCode.MethodNotAllowed),
        new("unknown route", Get, "/v2/models/{target}/stats", NoBody, HttpStatusCode.NotFound),
    ];

    private static readonly Dictionary<string, RestCase> ByName = All.ToDictionary(c => c.Name);

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in All)
        {
            data.Add(c.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task AnswersItsStatusWithAnErrorAndChangesNothing(string name)
    {
        var @case = ByName[name];
        var before = await service.SnapshotAsync();
        var mark = service.Logs.Mark();

        using var response = await service.Rest.SendAsync(@case.Request(HostileService.Target));
        var problem = await V2Calls.AssertErrorAsync(response, @case.Status, @case.Field);
        Assert.False(string.IsNullOrWhiteSpace((string?)problem["detail"]), $"{name}: the problem has no detail: {problem.ToJsonString()}");

        Assert.Equal(before, await service.SnapshotAsync());
        service.Logs.AssertNoFaults(name, mark);
    }
}
