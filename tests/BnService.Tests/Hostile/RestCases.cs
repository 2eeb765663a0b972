using System.Net;
using static BnService.Tests.Hostile.RestCase;

namespace BnService.Tests.Hostile;

/// <summary>
/// The malformed REST requests, by name. Every one must answer its status with a problem body and leave every layer
/// as it was. Statuses are api.md's: 400 bad input, 404 unknown layer, 409 conflict, 413 over the limit, 415 wrong
/// content type.
/// </summary>
public static class RestCases
{
    private const string Layers = "/v1/layers";
    private const string Train = "/v1/layers/{target}/train";
    private const string Infer = "/v1/layers/{target}/infer";
    private const string Backward = "/v1/layers/{target}/backward";
    private const string Batch = """{"shape": [2, 4], "data": [1, 2, 3, 4, 5, 6, 7, 8]}""";
    private const string Grad = """{"shape": [2, 4], "data": [1, 0, 0, 1, 0, 1, 1, 0]}""";

    private static readonly HttpMethod Post = HttpMethod.Post;
    private static readonly string Long200 = new('n', 200);
    private static readonly byte[] EightFloats = Floats(1, 2, 3, 4, 5, 6, 7, 8);

    public static readonly IReadOnlyList<RestCase> All =
    [
        // Create: broken JSON and wrong types.
        new("create: truncated JSON", Post, Layers, Json("""{"name": "h1", "channels": 4"""), HttpStatusCode.BadRequest),
        new("create: empty body", Post, Layers, Json(""), HttpStatusCode.BadRequest),
        new("create: JSON null", Post, Layers, Json("null"), HttpStatusCode.BadRequest),
        new("create: JSON array", Post, Layers, Json("[1, 2, 3]"), HttpStatusCode.BadRequest),
        new("create: trailing garbage", Post, Layers, Json("""{"name": "h1", "channels": 4} xyz"""), HttpStatusCode.BadRequest),
        new("create: invalid UTF-8", Post, Layers, () => Bytes([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D], "application/json"), HttpStatusCode.BadRequest),
        new("create: channels as string", Post, Layers, Json("""{"name": "h1", "channels": "4"}"""), HttpStatusCode.BadRequest, "channels"),
        new("create: channels fractional", Post, Layers, Json("""{"name": "h1", "channels": 4.5}"""), HttpStatusCode.BadRequest, "channels"),
        new("create: channels past int", Post, Layers, Json("""{"name": "h1", "channels": 99999999999}"""), HttpStatusCode.BadRequest, "channels"),
        new("create: channels zero", Post, Layers, Json("""{"name": "h1", "channels": 0}"""), HttpStatusCode.BadRequest, "channels"),
        new("create: channels negative", Post, Layers, Json("""{"name": "h1", "channels": -4}"""), HttpStatusCode.BadRequest, "channels"),
        new("create: channels over 65536", Post, Layers, Json("""{"name": "h1", "channels": 65537}"""), HttpStatusCode.BadRequest, "channels"),
        new("create: name missing", Post, Layers, Json("""{"channels": 4}"""), HttpStatusCode.BadRequest),
        new("create: name null", Post, Layers, Json("""{"name": null, "channels": 4}"""), HttpStatusCode.BadRequest, "name"),
        new("create: name a number", Post, Layers, Json("""{"name": 7, "channels": 4}"""), HttpStatusCode.BadRequest, "name"),
        new("create: name empty", Post, Layers, Json("""{"name": "", "channels": 4}"""), HttpStatusCode.BadRequest, "name"),
        new("create: name ..", Post, Layers, Json("""{"name": "..", "channels": 4}"""), HttpStatusCode.BadRequest, "name"),
        new("create: name ../etc", Post, Layers, Json("""{"name": "../etc", "channels": 4}"""), HttpStatusCode.BadRequest, "name"),
        new("create: name a/b", Post, Layers, Json("""{"name": "a/b", "channels": 4}"""), HttpStatusCode.BadRequest, "name"),
        new("create: name a%2Fb", Post, Layers, Json("""{"name": "a%2Fb", "channels": 4}"""), HttpStatusCode.BadRequest, "name"),
        new("create: name 200 characters", Post, Layers, Json($$$"""{"name": "{{{Long200}}}", "channels": 4}"""), HttpStatusCode.BadRequest, "name"),
        new("create: name unicode", Post, Layers, Json("""{"name": "schicht-ä", "channels": 4}"""), HttpStatusCode.BadRequest, "name"),
        new("create: name NUL", Post, Layers, Json("""{"name": "a\u0000b", "channels": 4}"""), HttpStatusCode.BadRequest, "name"),
        new("create: unknown data_format", Post, Layers, Json("""{"name": "h1", "channels": 4, "data_format": "NDHWC"}"""), HttpStatusCode.BadRequest, "data_format"),
        new("create: unknown convention", Post, Layers, Json("""{"name": "h1", "channels": 4, "convention": "caffe"}"""), HttpStatusCode.BadRequest, "convention"),
        new("create: unknown activation", Post, Layers, Json("""{"name": "h1", "channels": 4, "activation": "gelu"}"""), HttpStatusCode.BadRequest, "activation"),
        new("create: unknown updates", Post, Layers, Json("""{"name": "h1", "channels": 4, "updates": "later"}"""), HttpStatusCode.BadRequest, "updates"),
        new("create: unknown moving_variance_correction", Post, Layers, Json("""{"name": "h1", "channels": 4, "moving_variance_correction": "bessel"}"""), HttpStatusCode.BadRequest, "moving_variance_correction"),
        new("create: unknown reuse", Post, Layers, Json("""{"name": "h1", "channels": 4, "reuse": "sometimes"}"""), HttpStatusCode.BadRequest, "reuse"),
        new("create: enum in other case", Post, Layers, Json("""{"name": "h1", "channels": 4, "data_format": "nhwc"}"""), HttpStatusCode.BadRequest, "data_format"),
        new("create: decay 2 (momentum 2)", Post, Layers, Json("""{"name": "h1", "channels": 4, "decay": 2}"""), HttpStatusCode.BadRequest, "decay"),
        new("create: decay negative", Post, Layers, Json("""{"name": "h1", "channels": 4, "decay": -0.1}"""), HttpStatusCode.BadRequest, "decay"),
        new("create: decay 1e999", Post, Layers, Json("""{"name": "h1", "channels": 4, "decay": 1e999}"""), HttpStatusCode.BadRequest, "decay"),
        new("create: epsilon -1", Post, Layers, Json("""{"name": "h1", "channels": 4, "epsilon": -1}"""), HttpStatusCode.BadRequest, "epsilon"),
        new("create: epsilon 0", Post, Layers, Json("""{"name": "h1", "channels": 4, "epsilon": 0}"""), HttpStatusCode.BadRequest, "epsilon"),
        new("create: epsilon \"NaN\"", Post, Layers, Json("""{"name": "h1", "channels": 4, "epsilon": "NaN"}"""), HttpStatusCode.BadRequest, "epsilon"),
        new("create: epsilon NaN literal", Post, Layers, Json("""{"name": "h1", "channels": 4, "epsilon": NaN}"""), HttpStatusCode.BadRequest),
        new("create: epsilon 1e999", Post, Layers, Json("""{"name": "h1", "channels": 4, "epsilon": 1e999}"""), HttpStatusCode.BadRequest, "epsilon"),
        new("create: renorm_decay 5", Post, Layers, Json("""{"name": "h1", "channels": 4, "renorm": true, "renorm_decay": 5}"""), HttpStatusCode.BadRequest, "renorm_decay"),
        new("create: renorm_clipping rmax below rmin", Post, Layers, Json("""{"name": "h1", "channels": 4, "renorm": true, "renorm_clipping": {"rmax": 1, "rmin": 2}}"""), HttpStatusCode.BadRequest),
        new("create: renorm_clipping dmax negative", Post, Layers, Json("""{"name": "h1", "channels": 4, "renorm": true, "renorm_clipping": {"dmax": -1}}"""), HttpStatusCode.BadRequest),
        new("create: gamma initializer of 3 for 4 channels", Post, Layers, Json("""{"name": "h1", "channels": 4, "param_initializers": {"gamma": [1, 1, 1]}}"""), HttpStatusCode.BadRequest),
        new("create: moving_variance initializer negative", Post, Layers, Json("""{"name": "h1", "channels": 4, "param_initializers": {"moving_variance": -1}}"""), HttpStatusCode.BadRequest),
        new("create: regularizer l2 \"Infinity\"", Post, Layers, Json("""{"name": "h1", "channels": 4, "param_regularizers": {"gamma": {"l1": 0, "l2": "Infinity"}}}"""), HttpStatusCode.BadRequest),
        new("create: misspelt option", Post, Layers, Json("""{"name": "h1", "channels": 4, "momentum": 0.9}"""), HttpStatusCode.BadRequest, "momentum"),
        new("create: collections not an array", Post, Layers, Json("""{"name": "h1", "channels": 4, "collections": "bn"}"""), HttpStatusCode.BadRequest, "collections"),
        new("create: existing name", Post, Layers, Json("""{"name": "hostile.target", "channels": 4, "convention": "keras", "collections": ["hostile"]}"""), HttpStatusCode.Conflict),
        new("create: reuse with another config", Post, Layers, Json("""{"name": "hostile.target", "channels": 8, "reuse": "reuse"}"""), HttpStatusCode.Conflict),
        new("create: reuse of a missing name", Post, Layers, Json("""{"name": "h1", "channels": 4, "reuse": "reuse"}"""), HttpStatusCode.NotFound),
        new("create: text/plain", Post, Layers, Typed("""{"name": "h1", "channels": 4}""", "text/plain"), HttpStatusCode.UnsupportedMediaType),
        new("create: no content type", Post, Layers, Typed("""{"name": "h1", "channels": 4}""", null), HttpStatusCode.UnsupportedMediaType),
        new("create: form encoded", Post, Layers, Typed("name=h1&channels=4", "application/x-www-form-urlencoded"), HttpStatusCode.UnsupportedMediaType),
        new("create: body over the limit", Post, Layers, Json($$$"""{"name": "h1", "channels": 4, "collections": ["{{{new string('c', 20000)}}}"]}"""), HttpStatusCode.RequestEntityTooLarge),

        // Train as JSON: tensors.
        new("train: truncated JSON", Post, Train, Json("""{"input": {"shape": [2, 4], "data": [1, 2"""), HttpStatusCode.BadRequest),
        new("train: empty object", Post, Train, Json("{}"), HttpStatusCode.BadRequest),
        new("train: input null", Post, Train, Json("""{"input": null}"""), HttpStatusCode.BadRequest, "input"),
        new("train: input null inside", Post, Train, Json("""{"input": {"shape": null, "data": null}}"""), HttpStatusCode.BadRequest),
        new("train: input an array", Post, Train, Json("""{"input": [1, 2, 3, 4]}"""), HttpStatusCode.BadRequest, "input"),
        new("train: shape a number", Post, Train, Json("""{"input": {"shape": 8, "data": [1, 2, 3, 4, 5, 6, 7, 8]}}"""), HttpStatusCode.BadRequest),
        new("train: shape missing", Post, Train, Json("""{"input": {"data": [1, 2, 3, 4, 5, 6, 7, 8]}}"""), HttpStatusCode.BadRequest),
        new("train: data missing", Post, Train, Json("""{"input": {"shape": [2, 4]}}"""), HttpStatusCode.BadRequest),
        new("train: dims as strings", Post, Train, Json("""{"input": {"shape": ["2", "4"], "data": [1, 2, 3, 4, 5, 6, 7, 8]}}"""), HttpStatusCode.BadRequest),
        new("train: dim fractional", Post, Train, Json("""{"input": {"shape": [2.5, 4], "data": [1, 2, 3, 4, 5, 6, 7, 8]}}"""), HttpStatusCode.BadRequest),
        new("train: dim negative", Post, Train, Json("""{"input": {"shape": [-2, 4], "data": [1, 2, 3, 4, 5, 6, 7, 8]}}"""), HttpStatusCode.BadRequest, "input.shape"),
        new("train: dim zero", Post, Train, Json("""{"input": {"shape": [0, 4], "data": []}}"""), HttpStatusCode.BadRequest, "input.shape"),
        new("train: rank 1", Post, Train, Json("""{"input": {"shape": [8], "data": [1, 2, 3, 4, 5, 6, 7, 8]}}"""), HttpStatusCode.BadRequest, "input.shape"),
        new("train: rank 6", Post, Train, Json("""{"input": {"shape": [1, 1, 1, 1, 2, 4], "data": [1, 2, 3, 4, 5, 6, 7, 8]}}"""), HttpStatusCode.BadRequest, "input.shape"),
        new("train: prod(shape) past int", Post, Train, Json("""{"input": {"shape": [65536, 65536, 4], "data": [1, 2, 3, 4]}}"""), HttpStatusCode.BadRequest, "input.shape"),
        new("train: prod(shape) past long", Post, Train, Json("""{"input": {"shape": [4611686018427387904, 4611686018427387904, 4], "data": [1]}}"""), HttpStatusCode.BadRequest, "input.shape"),
        new("train: dim past long", Post, Train, Json("""{"input": {"shape": [99999999999999999999, 4], "data": [1]}}"""), HttpStatusCode.BadRequest),
        new("train: huge declared shape, tiny body", Post, Train, Json("""{"input": {"shape": [1000000, 4], "data": [1, 2, 3, 4]}}"""), HttpStatusCode.RequestEntityTooLarge, "input"),
        new("train: data too short", Post, Train, Json("""{"input": {"shape": [2, 4], "data": [1, 2, 3, 4, 5, 6, 7]}}"""), HttpStatusCode.BadRequest, "input.data"),
        new("train: data too long", Post, Train, Json("""{"input": {"shape": [2, 4], "data": [1, 2, 3, 4, 5, 6, 7, 8, 9]}}"""), HttpStatusCode.BadRequest, "input.data"),
        new("train: channels mismatch", Post, Train, Json("""{"input": {"shape": [2, 3], "data": [1, 2, 3, 4, 5, 6]}}"""), HttpStatusCode.BadRequest),
        new("train: value \"NaN\"", Post, Train, Json("""{"input": {"shape": [2, 4], "data": [1, 2, 3, "NaN", 5, 6, 7, 8]}}"""), HttpStatusCode.BadRequest),
        new("train: value \"Infinity\"", Post, Train, Json("""{"input": {"shape": [2, 4], "data": [1, 2, 3, "Infinity", 5, 6, 7, 8]}}"""), HttpStatusCode.BadRequest),
        new("train: value 1e999", Post, Train, Json("""{"input": {"shape": [2, 4], "data": [1, 2, 3, 1e999, 5, 6, 7, 8]}}"""), HttpStatusCode.BadRequest),
        new("train: value 1e39 (past float32)", Post, Train, Json("""{"input": {"shape": [2, 4], "data": [1, 2, 3, 1e39, 5, 6, 7, 8]}}"""), HttpStatusCode.BadRequest),
        new("train: value null", Post, Train, Json("""{"input": {"shape": [2, 4], "data": [1, 2, 3, null, 5, 6, 7, 8]}}"""), HttpStatusCode.BadRequest),
        new("train: nested data", Post, Train, Json("""{"input": {"shape": [2, 4], "data": [[1, 2, 3, 4], [5, 6, 7, 8]]}}"""), HttpStatusCode.BadRequest),
        new("train: batch_weights too short", Post, Train, Json($$$"""{"input": {{{Batch}}}, "batch_weights": [1]}"""), HttpStatusCode.BadRequest, "batch_weights"),
        new("train: batch_weights negative", Post, Train, Json($$$"""{"input": {{{Batch}}}, "batch_weights": [1, -1]}"""), HttpStatusCode.BadRequest, "batch_weights"),
        new("train: batch_weights \"NaN\"", Post, Train, Json($$$"""{"input": {{{Batch}}}, "batch_weights": [1, "NaN"]}"""), HttpStatusCode.BadRequest),
        new("train: request_id a number", Post, Train, Json($$$"""{"input": {{{Batch}}}, "request_id": 42}"""), HttpStatusCode.BadRequest, "request_id"),
        new("train: request_id 300 characters", Post, Train, Json($$$"""{"input": {{{Batch}}}, "request_id": "{{{new string('r', 300)}}}"}"""), HttpStatusCode.BadRequest, "request_id"),
        new("train: duplicate input member", Post, Train, Json($$$"""{"input": {{{Batch}}}, "input": {"shape": [2, 3], "data": [1, 2, 3, 4, 5, 6]}}"""), HttpStatusCode.BadRequest),
        new("train: unknown member", Post, Train, Json($$$"""{"input": {{{Batch}}}, "is_training": false}"""), HttpStatusCode.BadRequest, "is_training"),
        new("train: unknown layer", Post, "/v1/layers/hostile.missing/train", Json($$$"""{"input": {{{Batch}}}}"""), HttpStatusCode.NotFound),
        new("train: name %2F in the path", Post, "/v1/layers/a%2Fb/train", Json($$$"""{"input": {{{Batch}}}}"""), HttpStatusCode.BadRequest),
        new("train: name ..x in the path", Post, "/v1/layers/..x/train", Json($$$"""{"input": {{{Batch}}}}"""), HttpStatusCode.BadRequest),
        new("train: name unicode in the path", Post, "/v1/layers/%C3%A4/train", Json($$$"""{"input": {{{Batch}}}}"""), HttpStatusCode.BadRequest),
        new("train: name 200 characters in the path", Post, $"/v1/layers/{Long200}/train", Json($$$"""{"input": {{{Batch}}}}"""), HttpStatusCode.BadRequest),
        new("train: text/plain", Post, Train, Typed($$$"""{"input": {{{Batch}}}}""", "text/plain"), HttpStatusCode.UnsupportedMediaType),
        new("train: no content type", Post, Train, Typed($$$"""{"input": {{{Batch}}}}""", null), HttpStatusCode.UnsupportedMediaType),
        new("train: body over the limit", Post, Train, Json($$$"""{"input": {{{Batch}}}, "request_id": "{{{new string('r', 20000)}}}"}"""), HttpStatusCode.RequestEntityTooLarge),
        new("train: data past the batch limit", Post, Train, Json($$$"""{"input": {"shape": [2, 4], "data": [{{{string.Join(',', Enumerable.Repeat("0", 1100))}}}]}}"""), HttpStatusCode.RequestEntityTooLarge, "input"),

        // Train and infer as binary.
        new("binary: no X-Tensor-Shape", Post, Train, Binary(null, EightFloats), HttpStatusCode.BadRequest, "X-Tensor-Shape"),
        new("binary: X-Tensor-Shape not numbers", Post, Train, Binary("two,four", EightFloats), HttpStatusCode.BadRequest, "X-Tensor-Shape"),
        new("binary: X-Tensor-Shape negative", Post, Train, Binary("-2,4", EightFloats), HttpStatusCode.BadRequest, "X-Tensor-Shape"),
        new("binary: X-Tensor-Shape empty dim", Post, Train, Binary("2,,4", EightFloats), HttpStatusCode.BadRequest, "X-Tensor-Shape"),
        new("binary: X-Tensor-Shape rank 1", Post, Train, Binary("8", EightFloats), HttpStatusCode.BadRequest),
        new("binary: X-Tensor-Shape past long", Post, Train, Binary("99999999999999999999,4", EightFloats), HttpStatusCode.BadRequest, "X-Tensor-Shape"),
        new("binary: prod(shape) past long", Post, Train, Binary("4611686018427387904,4611686018427387904,4", EightFloats), HttpStatusCode.BadRequest),
        new("binary: huge declared shape, tiny body", Post, Train, Binary("1000000,4", EightFloats), HttpStatusCode.RequestEntityTooLarge),
        new("binary: body short", Post, Train, Binary("2,4", Floats(1, 2, 3, 4, 5, 6, 7)), HttpStatusCode.BadRequest, "body"),
        new("binary: body long", Post, Train, Binary("2,4", Floats(1, 2, 3, 4, 5, 6, 7, 8, 9)), HttpStatusCode.BadRequest, "body"),
        new("binary: partial float", Post, Train, Binary("2,4", [.. EightFloats, 0x00, 0x01]), HttpStatusCode.BadRequest, "body"),
        new("binary: empty body", Post, Train, Binary("2,4", []), HttpStatusCode.BadRequest, "body"),
        new("binary: NaN", Post, Train, Binary("2,4", Floats(1, 2, float.NaN, 4, 5, 6, 7, 8)), HttpStatusCode.BadRequest),
        new("binary: +Infinity", Post, Train, Binary("2,4", Floats(1, 2, 3, 4, 5, float.PositiveInfinity, 7, 8)), HttpStatusCode.BadRequest),
        new("binary: -Infinity on infer", Post, Infer, Binary("2,4", Floats(float.NegativeInfinity, 2, 3, 4, 5, 6, 7, 8)), HttpStatusCode.BadRequest),
        new("binary: channels mismatch", Post, Train, Binary("4,2", EightFloats), HttpStatusCode.BadRequest),
        new("binary: X-Batch-Weights not numbers", Post, Train, Binary("2,4", EightFloats, ("X-Batch-Weights", "1,x")), HttpStatusCode.BadRequest, "X-Batch-Weights"),
        new("binary: X-Batch-Weights NaN", Post, Train, Binary("2,4", EightFloats, ("X-Batch-Weights", "1,NaN")), HttpStatusCode.BadRequest),
        new("binary: Idempotency-Key 300 characters", Post, Train, Binary("2,4", EightFloats, ("Idempotency-Key", new string('k', 300))), HttpStatusCode.BadRequest, "request_id"),
        new("binary: backward does not take binary", Post, Backward, Binary("2,4", EightFloats), HttpStatusCode.UnsupportedMediaType),

        // Infer, backward and the other layer routes.
        new("infer: value \"-Infinity\"", Post, Infer, Json("""{"input": {"shape": [2, 4], "data": [1, 2, 3, "-Infinity", 5, 6, 7, 8]}}"""), HttpStatusCode.BadRequest),
        new("infer: channels mismatch NCHW-like", Post, Infer, Json("""{"input": {"shape": [1, 4, 2], "data": [1, 2, 3, 4, 5, 6, 7, 8]}}"""), HttpStatusCode.BadRequest),
        new("infer: wrong content type", Post, Infer, Typed($$$"""{"input": {{{Batch}}}}""", "application/xml"), HttpStatusCode.UnsupportedMediaType),
        new("backward: grad_output missing", Post, Backward, Json($$$"""{"input": {{{Batch}}}}"""), HttpStatusCode.BadRequest),
        new("backward: grad_output null", Post, Backward, Json($$$"""{"input": {{{Batch}}}, "grad_output": null}"""), HttpStatusCode.BadRequest, "grad_output"),
        new("backward: grad_output of another shape", Post, Backward, Json($$$"""{"input": {{{Batch}}}, "grad_output": {"shape": [1, 4], "data": [1, 2, 3, 4]}}"""), HttpStatusCode.BadRequest),
        new("backward: grad_output NaN", Post, Backward, Json($$$"""{"input": {{{Batch}}}, "grad_output": {"shape": [2, 4], "data": [1, 0, 0, "NaN", 0, 1, 1, 0]}}"""), HttpStatusCode.BadRequest),
        new("backward: learning_rate negative", Post, Backward, Json($$$"""{"input": {{{Batch}}}, "grad_output": {{{Grad}}}, "apply": {"learning_rate": -0.1}}"""), HttpStatusCode.BadRequest),
        new("backward: learning_rate \"NaN\"", Post, Backward, Json($$$"""{"input": {{{Batch}}}, "grad_output": {{{Grad}}}, "apply": {"learning_rate": "NaN"}}"""), HttpStatusCode.BadRequest),
        new("backward: learning_rate 1e999", Post, Backward, Json($$$"""{"input": {{{Batch}}}, "grad_output": {{{Grad}}}, "apply": {"learning_rate": 1e999}}"""), HttpStatusCode.BadRequest),
        new("backward: learning_rate 1e308 overflows gamma", Post, Backward, Json($$$"""{"input": {{{Batch}}}, "grad_output": {{{Grad}}}, "apply": {"learning_rate": 1e308}}"""), HttpStatusCode.BadRequest),
        new("backward: apply without learning_rate", Post, Backward, Json($$$"""{"input": {{{Batch}}}, "grad_output": {{{Grad}}}, "apply": {}}"""), HttpStatusCode.BadRequest),
        new("backward: is_training a string", Post, Backward, Json($$$"""{"input": {{{Batch}}}, "grad_output": {{{Grad}}}, "is_training": "yes"}"""), HttpStatusCode.BadRequest, "is_training"),
        new("commit: unknown layer", Post, "/v1/layers/hostile.missing/commit", NoBody, HttpStatusCode.NotFound),
        new("reset: name with a space", Post, "/v1/layers/a%20b/reset", NoBody, HttpStatusCode.BadRequest),
        new("delete: name ..x", HttpMethod.Delete, "/v1/layers/..x", NoBody, HttpStatusCode.BadRequest),
        new("delete: unknown layer", HttpMethod.Delete, "/v1/layers/hostile.missing", NoBody, HttpStatusCode.NotFound),
        new("get: name -leading-dash", HttpMethod.Get, "/v1/layers/-x", NoBody, HttpStatusCode.BadRequest),
        new("unknown route", HttpMethod.Get, "/v1/layer/{target}", NoBody, HttpStatusCode.NotFound),
        new("put on a layer", HttpMethod.Put, "/v1/layers/{target}", Json("{}"), HttpStatusCode.MethodNotAllowed),

        // The Open Inference Protocol's binary extension: a JSON header of Inference-Header-Content-Length bytes, then the data.
        new("v2 binary: header that is not UTF-8", Post, "/v2/models/{target}/infer", Binary(null, TritonBody(invalidUtf8: true), ("Inference-Header-Content-Length", TritonHeader(true).Length.ToString(System.Globalization.CultureInfo.InvariantCulture))), HttpStatusCode.BadRequest),
        new("v2 binary: header length past the body", Post, "/v2/models/{target}/infer", Binary(null, TritonBody(invalidUtf8: false), ("Inference-Header-Content-Length", "1000")), HttpStatusCode.BadRequest),

        // Stateless ops.
        new("moments: axis out of range", Post, "/v1/ops/moments", Json($$$"""{"input": {{{Batch}}}, "axes": [2]}"""), HttpStatusCode.BadRequest),
        new("moments: axes not integers", Post, "/v1/ops/moments", Json($$$"""{"input": {{{Batch}}}, "axes": [0.5]}"""), HttpStatusCode.BadRequest),
        new("moments: value 1e999", Post, "/v1/ops/moments", Json("""{"input": {"shape": [2], "data": [1, 1e999]}, "axes": [0]}"""), HttpStatusCode.BadRequest),
        new("batch_normalization: shapes that do not broadcast", Post, "/v1/ops/batch_normalization",
            Json($$$"""{"x": {{{Batch}}}, "mean": {"shape": [3], "data": [0, 0, 0]}, "variance": {"shape": [3], "data": [1, 1, 1]}, "variance_epsilon": 0.001}"""), HttpStatusCode.BadRequest),
        new("batch_normalization: variance_epsilon \"Infinity\"", Post, "/v1/ops/batch_normalization",
            Json($$$"""{"x": {{{Batch}}}, "mean": {"shape": [4], "data": [0, 0, 0, 0]}, "variance": {"shape": [4], "data": [1, 1, 1, 1]}, "variance_epsilon": "Infinity"}"""), HttpStatusCode.BadRequest),
    ];

    private static readonly Dictionary<string, RestCase> ByName = All.ToDictionary(c => c.Name);

    public static RestCase Named(string name) => ByName[name];

    public static TheoryData<string> Names()
    {
        var names = new TheoryData<string>();
        foreach (var c in All)
        {
            names.Add(c.Name);
        }

        return names;
    }

    private static byte[] TritonHeader(bool invalidUtf8)
    {
        var header = System.Text.Encoding.UTF8.GetBytes("""{"inputs":[{"name":"input","shape":[2,4],"datatype":"FP32","parameters":{"binary_data_size":32}}]}""");
        if (invalidUtf8)
        {
            // Inside the input's name: "name":"\xFF\xFF\x7F\x7Ft".
            header[20] = 0xFF;
            header[21] = 0xFF;
        }

        return header;
    }

    private static byte[] TritonBody(bool invalidUtf8) => [.. TritonHeader(invalidUtf8), .. EightFloats];

    private static ByteArrayContent Bytes(byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        return content;
    }
}
