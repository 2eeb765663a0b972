using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using BnService.Grpc;
using BnService.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Reflection.V1Alpha;
using static BnService.Tests.Infrastructure.RestCalls;
using Proto = global::Inference;

namespace BnService.Tests.Inference;

/// <summary><c>inference.GRPCInferenceService</c> against /v1 on the same layers: same numbers exactly, errors as gRPC statuses.</summary>
public sealed class InferenceGrpcTests(InferenceGrpcHost host) : IClassFixture<InferenceGrpcHost>
{
    private static readonly int[] Shape = [2, 4, 3];

    private readonly Proto.GRPCInferenceService.GRPCInferenceServiceClient _client = host.Client;
    private readonly HttpClient _rest = host.Rest;

    private async Task<string> LayerAsync(string prefix, string format = "NHWC", string updates = "in_place", int trainSteps = 1)
    {
        var name = LayerNames.Unique(prefix);
        await CreateLayerAsync(_rest, new JsonObject
        {
            ["name"] = name, ["channels"] = 3, ["data_format"] = format, ["convention"] = "tensorflow", ["updates"] = updates, ["scale"] = true,
        });
        for (var step = 1; step <= trainSteps; step++)
        {
            await ReadJsonAsync(await _rest.PostAsync($"/v1/layers/{name}/train", Json(new JsonObject { ["input"] = Tensor(Shape, V2Calls.Batch(step, 24)) })));
        }

        return name;
    }

    private async Task<float[]> V1InferAsync(string name, float[] data) =>
        Floats((await ReadJsonAsync(await _rest.PostAsync($"/v1/layers/{name}/infer", Json(new JsonObject { ["input"] = Tensor(Shape, data) }))))["output"]);

    /// <summary>A ModelInfer request as Triton's gRPC client sends it: the input's values in raw_input_contents.</summary>
    private static Proto.ModelInferRequest RawRequest(string name, int[] shape, float[] values, string id = "")
    {
        var request = new Proto.ModelInferRequest { ModelName = name, Id = id };
        var input = new Proto.ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32" };
        input.Shape.AddRange(shape.Select(d => (long)d));
        request.Inputs.Add(input);
        request.Outputs.Add(new Proto.ModelInferRequest.Types.InferRequestedOutputTensor { Name = "output" });
        request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())));
        return request;
    }

    private static float[] RawOutput(Proto.ModelInferResponse response)
    {
        var output = Assert.Single(response.Outputs);
        Assert.Equal("output", output.Name);
        Assert.Equal("FP32", output.Datatype);
        Assert.Null(output.Contents);
        return MemoryMarshal.Cast<byte, float>(Assert.Single(response.RawOutputContents).Span).ToArray();
    }

    private static Proto.InferParameter Bool(bool value) => new() { BoolParam = value };

    [Fact]
    public async Task ServerIsLiveReadyAndAdvertisesItsExtensions()
    {
        Assert.True((await _client.ServerLiveAsync(new Proto.ServerLiveRequest())).Live);
        Assert.True((await _client.ServerReadyAsync(new Proto.ServerReadyRequest())).Ready);
        var metadata = await _client.ServerMetadataAsync(new Proto.ServerMetadataRequest());
        Assert.Equal("bnservice", metadata.Name);
        Assert.False(string.IsNullOrEmpty(metadata.Version));
        Assert.Contains("binary_tensor_data", metadata.Extensions);
    }

    [Theory]
    [InlineData("NHWC", new long[] { -1, -1, -1, 3 })]
    [InlineData("NCHW", new long[] { -1, 3, -1, -1 })]
    public async Task ModelMetadataAndReadiness(string format, long[] shape)
    {
        var name = await LayerAsync("grpc-meta", format, trainSteps: 0);
        var metadata = await _client.ModelMetadataAsync(new Proto.ModelMetadataRequest { Name = name });
        Assert.Equal(name, metadata.Name);
        Assert.Equal(["1"], metadata.Versions);
        Assert.False(string.IsNullOrEmpty(metadata.Platform));
        foreach (var (tensors, tensorName) in new[] { (metadata.Inputs, "input"), (metadata.Outputs, "output") })
        {
            var tensor = Assert.Single(tensors);
            Assert.Equal(tensorName, tensor.Name);
            Assert.Equal("FP32", tensor.Datatype);
            Assert.Equal(shape, tensor.Shape);
        }

        Assert.True((await _client.ModelReadyAsync(new Proto.ModelReadyRequest { Name = name })).Ready);
        Assert.True((await _client.ModelReadyAsync(new Proto.ModelReadyRequest { Name = name, Version = "1" })).Ready);
        await AssertStatusAsync(StatusCode.NotFound, () => _client.ModelReadyAsync(new Proto.ModelReadyRequest { Name = name, Version = "2" }).ResponseAsync);
        await AssertStatusAsync(StatusCode.NotFound, () => _client.ModelReadyAsync(new Proto.ModelReadyRequest { Name = LayerNames.Unique("missing") }).ResponseAsync);
        await AssertStatusAsync(StatusCode.NotFound, () => _client.ModelMetadataAsync(new Proto.ModelMetadataRequest { Name = LayerNames.Unique("missing") }).ResponseAsync);
        await AssertStatusAsync(StatusCode.InvalidArgument, () => _client.ModelMetadataAsync(new Proto.ModelMetadataRequest { Name = "bad name" }).ResponseAsync);
    }

    [Fact]
    public async Task RawInputEqualsV1InferExactly()
    {
        var name = await LayerAsync("grpc-infer", trainSteps: 2);
        var probe = V2Calls.Batch(50, 24);
        var response = await _client.ModelInferAsync(RawRequest(name, Shape, probe, id: "42"));
        Assert.Equal("42", response.Id);
        Assert.Equal(name, response.ModelName);
        Assert.Equal(Shape.Select(d => (long)d), Assert.Single(response.Outputs).Shape);
        Assert.Empty(response.Parameters);
        Assert.Equal(await V1InferAsync(name, probe), RawOutput(response));
    }

    [Fact]
    public async Task LargeBatchesInReusedArraysAnswerEachTheirOwn()
    {
        // 96 KiB batches: their arrays go back to the pool after each answer and serve the next calls.
        int[] shape = [64, 128, 3];
        var name = await LayerAsync("grpc-large", trainSteps: 1);
        for (var i = 0; i < 4; i++)
        {
            var probe = V2Calls.Batch(200 + i, 64 * 128 * 3);
            var expected = Floats((await ReadJsonAsync(await _rest.PostAsync($"/v1/layers/{name}/infer",
                Json(new JsonObject { ["input"] = Tensor(shape, probe) }))))["output"]);
            var request = RawRequest(name, shape, probe);
            if (i % 2 == 1)
            {
                request.Parameters["training"] = Bool(true);
            }

            var answer = RawOutput(await _client.ModelInferAsync(request));
            if (i % 2 == 0)
            {
                Assert.Equal(expected, answer);
            }
        }
    }

    [Fact]
    public async Task Fp32ContentsEqualRawInput()
    {
        var name = await LayerAsync("grpc-contents", trainSteps: 2);
        var probe = V2Calls.Batch(51, 24);
        var request = RawRequest(name, Shape, probe);
        request.RawInputContents.Clear();
        request.Inputs[0].Contents = new Proto.InferTensorContents();
        request.Inputs[0].Contents.Fp32Contents.AddRange(probe);
        request.Outputs.Clear();
        request.ModelVersion = "1";
        Assert.Equal(await V1InferAsync(name, probe), RawOutput(await _client.ModelInferAsync(request)));
    }

    [Fact]
    public async Task TrainingEqualsV1TrainExactly()
    {
        var v1 = await LayerAsync("grpc-train-v1", updates: "deferred", trainSteps: 0);
        var v2 = await LayerAsync("grpc-train-v2", updates: "deferred", trainSteps: 0);
        for (var step = 1; step <= 3; step++)
        {
            var batch = V2Calls.Batch(60 + step, 24);
            var expected = await ReadJsonAsync(await _rest.PostAsync($"/v1/layers/{v1}/train", Json(new JsonObject { ["input"] = Tensor(Shape, batch) })));
            var request = RawRequest(v2, Shape, batch);
            request.Parameters["training"] = Bool(true);
            var response = await _client.ModelInferAsync(request);
            Assert.Equal(Floats(expected["output"]), RawOutput(response));
            Assert.Equal(step, response.Parameters["step"].Int64Param);
            Assert.Equal((long)expected["pending_updates"]!, response.Parameters["pending_updates"].Int64Param);
        }

        var a = await ReadJsonAsync(await _rest.GetAsync($"/v1/layers/{v1}"));
        var b = await ReadJsonAsync(await _rest.GetAsync($"/v1/layers/{v2}"));
        foreach (var field in new[] { "step", "pending_updates", "moving_mean", "moving_variance" })
        {
            Assert.Equal(a[field]!.ToJsonString(), b[field]!.ToJsonString());
        }
    }

    [Fact]
    public async Task TrainingWithARequestIdIsCountedOnce()
    {
        var name = await LayerAsync("grpc-retry", trainSteps: 0);
        var request = RawRequest(name, Shape, V2Calls.Batch(70, 24));
        request.Parameters["training"] = Bool(true);
        request.Parameters["request_id"] = new Proto.InferParameter { StringParam = "batch-0001" };
        var first = await _client.ModelInferAsync(request);
        var retry = await _client.ModelInferAsync(request);
        Assert.Equal(first, retry);
        Assert.Equal(1, (int)(await ReadJsonAsync(await _rest.GetAsync($"/v1/layers/{name}")))["step"]!);
    }

    public static TheoryData<string, string?> BadRequests() => new()
    {
        { "datatype", "inputs[0].datatype" },
        { "name", "inputs[0].name" },
        { "short raw", "raw_input_contents[0]" },
        { "no values", "inputs[0].contents.fp32_contents" },
        { "both", "inputs[0].contents" },
        { "int contents", "inputs[0].contents" },
        { "two inputs", "inputs" },
        { "raw count", "raw_input_contents" },
        { "output name", "outputs[0].name" },
        { "unknown parameter", "parameters.priority" },
        { "training type", "parameters.training" },
        { "request_id without training", "parameters.request_id" },
        { "input parameter", "inputs[0].parameters.binary_data_size" },
        { "rank 1", "inputs[0].shape" },
        { "channels", null },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadInputIsInvalidArgumentWithItsFieldAndChangesNothing(string what, string? field)
    {
        var name = await LayerAsync("grpc-bad", trainSteps: 0);
        var values = V2Calls.Batch(80, 24);
        var request = RawRequest(name, Shape, values);
        request.Parameters["training"] = Bool(true);
        var input = request.Inputs[0];
        switch (what)
        {
            case "datatype":
                input.Datatype = "FP64";
                break;
            case "name":
                input.Name = "x";
                break;
            case "short raw":
                request.RawInputContents[0] = ByteString.CopyFrom(new byte[(4 * 24) - 4]);
                break;
            case "no values":
                request.RawInputContents.Clear();
                break;
            case "both":
                input.Contents = new Proto.InferTensorContents();
                input.Contents.Fp32Contents.AddRange(values);
                break;
            case "int contents":
                request.RawInputContents.Clear();
                input.Contents = new Proto.InferTensorContents();
                input.Contents.Fp32Contents.AddRange(values);
                input.Contents.IntContents.Add(1);
                break;
            case "two inputs":
                request.Inputs.Add(input.Clone());
                break;
            case "raw count":
                request.RawInputContents.Add(request.RawInputContents[0]);
                break;
            case "output name":
                request.Outputs[0].Name = "y";
                break;
            case "unknown parameter":
                request.Parameters["priority"] = new Proto.InferParameter { Int64Param = 1 };
                break;
            case "training type":
                request.Parameters["training"] = new Proto.InferParameter { StringParam = "true" };
                break;
            case "request_id without training":
                request.Parameters.Remove("training");
                request.Parameters["request_id"] = new Proto.InferParameter { StringParam = "r1" };
                break;
            case "input parameter":
                input.Parameters["binary_data_size"] = new Proto.InferParameter { Int64Param = 96 };
                break;
            case "rank 1":
                input.Shape.Clear();
                input.Shape.Add(24);
                break;
            case "channels":
                input.Shape.Clear();
                input.Shape.AddRange([3, 8]);
                break;
        }

        var error = await AssertStatusAsync(StatusCode.InvalidArgument, () => _client.ModelInferAsync(request).ResponseAsync);
        if (field is not null)
        {
            Assert.Equal(field, error.Trailers.GetValue(GrpcErrorInterceptor.FieldTrailer));
        }

        Assert.Equal(0, (int)(await ReadJsonAsync(await _rest.GetAsync($"/v1/layers/{name}")))["step"]!);
    }

    [Fact]
    public async Task UnknownModelsAreNotFoundAndLargeShapesResourceExhausted()
    {
        await AssertStatusAsync(StatusCode.NotFound, () => _client.ModelInferAsync(RawRequest(LayerNames.Unique("missing"), Shape, new float[24])).ResponseAsync);
        var name = await LayerAsync("grpc-large", trainSteps: 0);
        var request = RawRequest(name, Shape, new float[24]);
        request.ModelVersion = "2";
        await AssertStatusAsync(StatusCode.NotFound, () => _client.ModelInferAsync(request).ResponseAsync);

        // 2^20 x 64 x 3 float32 is 768 MiB, over the default 64 MiB: refused from the shape alone.
        var large = RawRequest(name, [1 << 20, 64, 3], new float[3]);
        var error = await AssertStatusAsync(StatusCode.ResourceExhausted, () => _client.ModelInferAsync(large).ResponseAsync);
        Assert.Equal("inputs[0]", error.Trailers.GetValue(GrpcErrorInterceptor.FieldTrailer));
    }

    [Fact]
    public async Task ReflectionListsTheService()
    {
        var reflection = new ServerReflection.ServerReflectionClient(host.Host.Invoker);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Contains("inference.GRPCInferenceService", call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name));
    }

    private static async Task<RpcException> AssertStatusAsync(StatusCode code, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(error.StatusCode == code, $"expected {code}, got {error.StatusCode}: {error.Status.Detail}");
        return error;
    }
}
