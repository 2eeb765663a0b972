using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Bn.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit.Abstractions;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Hostile;

/// <summary>
/// Seeded random mutations of valid REST (JSON and binary, /v1 and /v2) and gRPC requests (bn.v1 and the Open
/// Inference Protocol) against one in-memory host: never a 5xx,
/// INTERNAL or UNKNOWN, no fault in the log, the host still serving at the end, and after every call that failed, every
/// layer exactly as before it. <c>BNSERVICE_FUZZ_ITERATIONS</c> (default 2,500) and <c>BNSERVICE_FUZZ_SEED</c> (default
/// fixed) change the run; a failure names the seed and the iteration to replay.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private const int DefaultIterations = 2500;
    private const int DefaultSeed = 20261127;

    private static readonly StatusCode[] ClientStatuses =
    [
        StatusCode.OK, StatusCode.InvalidArgument, StatusCode.NotFound, StatusCode.AlreadyExists, StatusCode.FailedPrecondition, StatusCode.ResourceExhausted,
    ];

    private static readonly string[] ContentTypes =
        ["application/json", "application/octet-stream", "text/plain", "", "application/json; charset=utf-16", "application/problem+json", "multipart/form-data"];

    private static readonly string[] Shapes = ["", "2,4", "-2,4", "0,4", "1000000,4", "4294967296,4294967296,4", "a", "2,4,", " 2 , 4 ", "8", "2,2,2"];

    private static readonly string[] Names = ["fz.a", "fz.b", "fz.c", "..", "fz.a%2F..", "a b", "a%20b", "fz.b.", new string('z', 129)];

    private sealed record Outcome(bool Success, string Status);

    [Fact]
    public async Task MutatedRequestsNeverFaultAndFailedCallsChangeNothing()
    {
        var iterations = Setting("BNSERVICE_FUZZ_ITERATIONS", DefaultIterations);
        var seed = Setting("BNSERVICE_FUZZ_SEED", DefaultSeed);
        output.WriteLine($"fuzz: {iterations} iterations, BNSERVICE_FUZZ_SEED={seed}");

        await using var service = new CapturingServiceFactory(new Dictionary<string, string?> { ["Limits:MaxBatchBytes"] = "4096" });
        using var http = service.CreateClient();
        using var channel = GrpcChannel.ForAddress(service.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = service.Server.CreateHandler() });
        var invoker = CallDeadline.On(channel);
        await CreateLayerAsync(http, LayerA());
        await CreateLayerAsync(http, LayerB());

        var random = new Random(seed);
        var mutator = new Mutator(random);
        var snapshot = await SnapshotAsync(http);
        var failed = 0;
        for (var i = 0; i < iterations; i++)
        {
            var mark = service.Logs.Mark();
            string what;
            Outcome outcome;
            if (random.Next(2) == 0)
            {
                using var request = RestRequest(mutator, i);
                what = await DescribeAsync(request);
                outcome = await SendAsync(http, request, what, seed, i);
            }
            else
            {
                var (method, bytes) = GrpcRequest(mutator, i);
                what = $"gRPC {method} {Convert.ToBase64String(bytes)}";
                outcome = await CallAsync(invoker, method, bytes, what, seed, i);
            }

            var after = await SnapshotAsync(http);
            if (!outcome.Success)
            {
                failed++;
                Assert.True(after == snapshot, Replay(seed, i, what, $"answered {outcome.Status} but a layer changed:\nbefore {snapshot}\nafter  {after}"));
            }

            snapshot = after;
            Assert.True(service.Logs.Faults(mark).Count == 0, Replay(seed, i, what, $"logged a fault: {service.Logs.Faults(mark).FirstOrDefault()}"));
        }

        output.WriteLine($"fuzz: {failed} of {iterations} mutated calls were refused, the rest succeeded");

        // The host still serves.
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        var trained = await ReadJsonAsync(await http.PostAsync("/v1/layers/fz.a/train", Json(new JsonObject { ["input"] = Tensor([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]) })));
        Assert.True((long)trained["step"]! >= 1);
    }

    private static JsonObject LayerA() => new() { ["name"] = "fz.a", ["channels"] = 4, ["convention"] = "keras", ["scale"] = true };

    private static JsonObject LayerB() => new() { ["name"] = "fz.b", ["channels"] = 2, ["data_format"] = "NCHW", ["updates"] = "deferred", ["renorm"] = true };

    private static HttpRequestMessage RestRequest(Mutator m, int i)
    {
        var batchA = Tensor([2, 4], [1, 2, 3, 4, 5, 6, 7, 9]);
        var batchB = Tensor([2, 2, 3], [1, 2, 3, 4, 5, 6, 6, 5, 4, 3, 2, 1]);
        var name = m.Next(8) == 0 ? m.Pick(Names) : null;
        (string Path, JsonNode? Json, byte[]? Binary, string Shape) template = m.Next(13) switch
        {
            10 => ($"/v2/models/{name ?? "fz.a"}/infer", new JsonObject
            {
                ["id"] = "f", ["inputs"] = new JsonArray(new JsonObject
                {
                    ["name"] = "input", ["shape"] = new JsonArray(2, 4), ["datatype"] = "FP32", ["data"] = new JsonArray(1, 2, 3, 4, 5, 6, 7, 9),
                }),
                ["outputs"] = new JsonArray(new JsonObject { ["name"] = "output" }),
            }, null, ""),
            11 => ($"/v2/models/{name ?? "fz.b"}/infer", new JsonObject
            {
                ["parameters"] = new JsonObject { ["training"] = true, ["request_id"] = $"v{i % 50}" },
                ["inputs"] = new JsonArray(new JsonObject { ["name"] = "input", ["shape"] = new JsonArray(2, 2, 3), ["datatype"] = "FP32", ["data"] = batchB["data"]!.DeepClone() }),
            }, null, ""),
            12 => ($"/v2/models/{name ?? "fz.a"}/infer", null, [.. TritonHeader, .. Floats([1, 2, 3, 4, 5, 6, 7, 9])], ""),
            0 => ($"/v1/layers/{name ?? "fz.a"}/train", new JsonObject { ["input"] = batchA, ["batch_weights"] = new JsonArray(1, 2), ["request_id"] = $"r{i % 50}" }, null, ""),
            1 => ($"/v1/layers/{name ?? "fz.a"}/train", null, Floats([1, 2, 3, 4, 5, 6, 7, 9]), "2,4"),
            2 => ($"/v1/layers/{name ?? "fz.b"}/train", new JsonObject { ["input"] = batchB }, null, ""),
            3 => ($"/v1/layers/{name ?? "fz.b"}/infer", new JsonObject { ["input"] = batchB }, null, ""),
            4 => ($"/v1/layers/{name ?? "fz.a"}/infer", null, Floats([1, 2, 3, 4, 5, 6, 7, 9]), "2,4"),
            5 => ($"/v1/layers/{name ?? "fz.a"}/backward", new JsonObject
            {
                ["input"] = batchA, ["grad_output"] = Tensor([2, 4], [1, 0, -1, 0, 0, 1, 0, -1]), ["is_training"] = true,
                ["apply"] = new JsonObject { ["learning_rate"] = 0.01 },
            }, null, ""),
            6 => ("/v1/layers", LayerA().Also(o => o["reuse"] = "auto"), null, ""),
            7 => ("/v1/ops/moments", new JsonObject { ["input"] = batchA, ["axes"] = new JsonArray(0), ["keep_dims"] = false }, null, ""),
            8 => ("/v1/ops/batch_normalization", new JsonObject
            {
                ["x"] = batchA, ["mean"] = Tensor([4], [0, 1, 2, 3]), ["variance"] = Tensor([4], [1, 1, 2, 2]), ["variance_epsilon"] = 0.001,
            }, null, ""),
            _ => ($"/v1/layers/{name ?? "fz.b"}/commit", null, null, ""),
        };

        var request = new HttpRequestMessage(HttpMethod.Post, template.Path);
        if (template.Json is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(m.Json(template.Json)));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        else if (template.Binary is not null && template.Path.StartsWith("/v2/", StringComparison.Ordinal))
        {
            // Triton's binary extension: the JSON header, then the input's float32 bytes.
            request.Content = new ByteArrayContent(m.Bytes(template.Binary));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            request.Content.Headers.TryAddWithoutValidation("Inference-Header-Content-Length",
                m.Next(4) == 0 ? m.Pick(["0", "-1", "99999", "", "x", "2147483648"]) : TritonHeader.Length.ToString(CultureInfo.InvariantCulture));
        }
        else if (template.Binary is not null)
        {
            request.Content = new ByteArrayContent(m.Bytes(template.Binary));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            request.Content.Headers.TryAddWithoutValidation("X-Tensor-Shape", m.Next(4) == 0 ? m.Pick(Shapes) : template.Shape);
            if (m.Next(2) == 0)
            {
                request.Content.Headers.TryAddWithoutValidation("X-Batch-Weights", m.Pick(["1,2", "1", "-1,2", "NaN,1", "x", "1e999,1", ""]));
            }

            if (m.Next(2) == 0)
            {
                request.Content.Headers.TryAddWithoutValidation("Idempotency-Key", m.Pick([$"k{i % 50}", "", new string('k', 300), "tab\there"]));
            }
        }

        if (request.Content is not null && m.Next(4) == 0)
        {
            var type = m.Pick(ContentTypes);
            request.Content.Headers.Remove("Content-Type");
            if (type.Length > 0)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            }
        }

        if (m.Next(3) == 0)
        {
            request.Headers.TryAddWithoutValidation("Accept", "application/octet-stream");
        }

        return request;
    }

    private static readonly byte[] TritonHeader = Encoding.UTF8.GetBytes(
        """{"inputs":[{"name":"input","shape":[2,4],"datatype":"FP32","parameters":{"binary_data_size":32}}],"outputs":[{"name":"output","parameters":{"binary_data":true}}]}""");

    private static (string Method, byte[] Bytes) GrpcRequest(Mutator m, int i)
    {
        var name = m.Next(8) == 0 ? m.Pick(Names) : null;
        var dataA = new Bn.V1.Tensor { Shape = { 2, 4 }, Data = { 1, 2, 3, 4, 5, 6, 7, 9 } };
        var rawA = new Bn.V1.Tensor { Shape = { 2, 4 }, RawData = ByteString.CopyFrom(Floats([1, 2, 3, 4, 5, 6, 7, 9])) };
        var dataB = new Bn.V1.Tensor { Shape = { 2, 2, 3 }, Data = { 1, 2, 3, 4, 5, 6, 6, 5, 4, 3, 2, 1 } };
        (string Method, IMessage Message) template = m.Next(13) switch
        {
            11 => ("inference.GRPCInferenceService/ModelInfer", new global::Inference.ModelInferRequest
            {
                ModelName = name ?? "fz.a", Id = "f",
                Inputs =
                {
                    new global::Inference.ModelInferRequest.Types.InferInputTensor
                    {
                        Name = "input", Datatype = "FP32", Shape = { 2, 4 }, Contents = new global::Inference.InferTensorContents { Fp32Contents = { 1, 2, 3, 4, 5, 6, 7, 9 } },
                    },
                },
            }),
            12 => ("inference.GRPCInferenceService/ModelInfer", new global::Inference.ModelInferRequest
            {
                ModelName = name ?? "fz.a", Parameters = { ["training"] = new global::Inference.InferParameter { BoolParam = true } },
                Inputs = { new global::Inference.ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Shape = { 2, 4 } } },
                RawInputContents = { ByteString.CopyFrom(Floats([1, 2, 3, 4, 5, 6, 7, 9])) },
            }),
            9 => ("TrainStream", new TrainRequest { Name = name ?? "fz.a", Input = rawA }),
            10 => ("InferStream", new InferRequest { Name = name ?? "fz.b", Input = dataB }),
            0 => ("Train", new TrainRequest { Name = name ?? "fz.a", Input = dataA, BatchWeights = { 1, 2 } }),
            1 => ("Train", new TrainRequest { Name = name ?? "fz.a", Input = rawA, RequestId = $"g{i % 50}" }),
            2 => ("Train", new TrainRequest { Name = name ?? "fz.b", Input = dataB }),
            3 => ("Infer", new InferRequest { Name = name ?? "fz.b", Input = dataB }),
            4 => ("Backward", new BackwardRequest
            {
                Name = name ?? "fz.a", Input = rawA, GradOutput = new Bn.V1.Tensor { Shape = { 2, 4 }, Data = { 1, 0, -1, 0, 0, 1, 0, -1 } },
                Apply = new BackwardApply { LearningRate = 0.01 },
            }),
            5 => ("CreateLayer", new CreateLayerRequest
            {
                Config = new Bn.V1.LayerConfig { Name = name ?? "fz.a", Channels = 4, Convention = "keras", Scale = true }, Reuse = "auto",
            }),
            6 => ("Moments", new MomentsRequest { Input = dataA, Axes = { 0 } }),
            7 => ("BatchNormalization", new BatchNormalizationRequest
            {
                X = rawA, Mean = new Bn.V1.Tensor { Shape = { 4 }, Data = { 0, 1, 2, 3 } }, Variance = new Bn.V1.Tensor { Shape = { 4 }, Data = { 1, 1, 2, 2 } },
                VarianceEpsilon = 0.001,
            }),
            _ => ("Commit", new CommitRequest { Name = name ?? "fz.b" }),
        };
        return (template.Method, m.Bytes(template.Message.ToByteArray()));
    }

    private static async Task<Outcome> SendAsync(HttpClient http, HttpRequestMessage request, string what, int seed, int i)
    {
        using var response = await http.SendAsync(request);
        var status = (int)response.StatusCode;
        Assert.True(status < 500, Replay(seed, i, what, $"answered {status}: {await response.Content.ReadAsStringAsync()}"));
        if (status >= 400)
        {
            Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", Replay(seed, i, what, $"answered {status} without a problem"));
        }

        return new Outcome(status < 300, status.ToString(CultureInfo.InvariantCulture));
    }

    private static async Task<Outcome> CallAsync(CallInvoker invoker, string method, byte[] bytes, string what, int seed, int i)
    {
        var streaming = method.EndsWith("Stream", StringComparison.Ordinal);
        var (serviceName, methodName) = method.Contains('/', StringComparison.Ordinal) ? (method.Split('/')[0], method.Split('/')[1]) : ("bn.v1.BatchNorm", method);
        var call = new Method<byte[], byte[]>(streaming ? MethodType.DuplexStreaming : MethodType.Unary, serviceName, methodName, RawBytes, RawBytes);
        try
        {
            if (streaming)
            {
                // One message: the stream answers it or ends with its status, like a unary call.
                using var stream = invoker.AsyncDuplexStreamingCall(call, null, default);
                await stream.RequestStream.WriteAsync(bytes);
                await stream.RequestStream.CompleteAsync();
                while (await stream.ResponseStream.MoveNext(CancellationToken.None))
                {
                }
            }
            else
            {
                await invoker.AsyncUnaryCall(call, null, default, bytes);
            }

            return new Outcome(true, "OK");
        }
        catch (RpcException e)
        {
            Assert.True(ClientStatuses.Contains(e.StatusCode), Replay(seed, i, what, $"ended {e.StatusCode}: {e.Status.Detail}"));
            Assert.False(string.IsNullOrWhiteSpace(e.Status.Detail), Replay(seed, i, what, $"ended {e.StatusCode} without a message"));
            return new Outcome(false, e.StatusCode.ToString());
        }
    }

    private static readonly Marshaller<byte[]> RawBytes = Marshallers.Create(b => b, b => b);

    private static async Task<string> SnapshotAsync(HttpClient http) => (await ReadJsonAsync(await http.GetAsync("/v1/layers"))).ToJsonString();

    private static async Task<string> DescribeAsync(HttpRequestMessage request)
    {
        var body = request.Content is null ? "" : Convert.ToBase64String(await request.Content.ReadAsByteArrayAsync());
        var headers = request.Content is null ? "" : string.Join("; ", request.Content.Headers.Select(h => $"{h.Key}: {string.Join(",", h.Value)}"));
        return $"REST {request.Method} {request.RequestUri} [{headers}] body(base64) {body}";
    }

    private static string Replay(int seed, int iteration, string what, string problem) =>
        $"BNSERVICE_FUZZ_SEED={seed}, iteration {iteration}: {what}\n{problem}";

    private static byte[] Floats(float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private static int Setting(string variable, int fallback) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
}

internal static class JsonObjectExtensions
{
    public static JsonObject Also(this JsonObject o, Action<JsonObject> change)
    {
        change(o);
        return o;
    }
}
