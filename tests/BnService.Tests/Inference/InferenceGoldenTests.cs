using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using BnService.Tests.Grpc;
using BnService.Tests.Infrastructure;
using Google.Protobuf;
using static BnService.Tests.Infrastructure.RestCalls;
using Proto = global::Inference;

namespace BnService.Tests.Inference;

/// <summary>
/// Every golden layer case replayed with its train and infer steps through the Open Inference Protocol, on one
/// layer over REST /v2 (JSON) and another over gRPC (raw_input_contents): each answer within the case's tolerance,
/// and both wires bit for bit the same. Steps the protocol has no form for (batch weights, backward, commit) and the
/// state checks go through /v1.
/// </summary>
public sealed class InferenceGoldenTests(InferenceGrpcHost host) : IClassFixture<InferenceGrpcHost>
{
    private readonly Proto.GRPCInferenceService.GRPCInferenceServiceClient _grpc = host.Client;
    private readonly HttpClient _rest = host.Rest;

    public static TheoryData<string> LayerCases() => GoldenFile.LayerCaseIds();

    [Theory]
    [MemberData(nameof(LayerCases))]
    public async Task LayerCaseReplaysOverTheProtocol(string id)
    {
        var golden = GoldenFile.Case(id);
        var tolerance = Tolerance.Of(golden);
        var names = new[] { LayerNames.Unique("v2-golden-rest"), LayerNames.Unique("v2-golden-grpc") };
        foreach (var name in names)
        {
            var config = golden["layer"]!.DeepClone().AsObject();
            config["name"] = name;
            await CreateLayerAsync(_rest, config);
        }

        var index = 0;
        foreach (var step in golden["steps"]!.AsArray())
        {
            var op = (string)step!["op"]!;
            var what = $"{id} step {index++} ({op})";
            if (op is "train" && step["batch_weights"] is null || op is "infer")
            {
                var training = op == "train";
                var input = step["input"]!;
                var shape = input["shape"]!.AsArray().Select(d => (int)d!).ToArray();
                var data = input["data"]!.AsArray().Select(v => (float)(double)v!).ToArray();
                var (restOutput, restStep) = await RestAsync(names[0], shape, data, training);
                var (grpcOutput, grpcStep) = await GrpcAsync(names[1], shape, data, training);
                var expected = step["expect"]!["output"]!;
                Assert.Equal(expected["shape"]!.AsArray().Select(d => (int)d!), shape);
                tolerance.AssertClose(expected["data"], restOutput.Select(v => (double)v).ToArray(), what + " output over REST");
                Assert.Equal(restOutput, grpcOutput);
                Assert.Equal(restStep, grpcStep);
                continue;
            }

            foreach (var name in names)
            {
                await V1StepAsync(name, op, step, tolerance, what);
            }
        }
    }

    private async Task<(float[] Output, long? Step)> RestAsync(string name, int[] shape, float[] data, bool training)
    {
        var body = V2Calls.Request(shape, data, parameters: training ? V2Calls.Training() : null);
        var answer = await ReadJsonAsync(await _rest.PostAsync($"/v2/models/{name}/infer", Json(body)));
        return (V2Calls.Floats(V2Calls.Output(answer)["data"]), (long?)answer["parameters"]?["step"]);
    }

    private async Task<(float[] Output, long? Step)> GrpcAsync(string name, int[] shape, float[] data, bool training)
    {
        var request = new Proto.ModelInferRequest { ModelName = name };
        var input = new Proto.ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32" };
        input.Shape.AddRange(shape.Select(d => (long)d));
        request.Inputs.Add(input);
        request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(data.AsSpan())));
        if (training)
        {
            request.Parameters["training"] = new Proto.InferParameter { BoolParam = true };
        }

        var response = await _grpc.ModelInferAsync(request);
        long? step = response.Parameters.TryGetValue("step", out var value) ? value.Int64Param : null;
        return (MemoryMarshal.Cast<byte, float>(response.RawOutputContents[0].Span).ToArray(), step);
    }

    private async Task V1StepAsync(string name, string op, JsonNode step, Tolerance tolerance, string what)
    {
        switch (op)
        {
            case "train":
            {
                var body = new JsonObject { ["input"] = step["input"]!.DeepClone(), ["batch_weights"] = step["batch_weights"]!.DeepClone() };
                await ReadJsonAsync(await _rest.PostAsync($"/v1/layers/{name}/train", Json(body)));
                break;
            }

            case "backward":
            {
                var body = new JsonObject
                {
                    ["input"] = step["input"]!.DeepClone(), ["grad_output"] = step["grad_output"]!.DeepClone(), ["is_training"] = step["is_training"]!.DeepClone(),
                };
                if (step["apply"] is { } apply)
                {
                    body["apply"] = apply.DeepClone();
                }

                await ReadJsonAsync(await _rest.PostAsync($"/v1/layers/{name}/backward", Json(body)));
                break;
            }

            case "commit":
                await ReadJsonAsync(await _rest.PostAsync($"/v1/layers/{name}/commit", null));
                break;

            case "state":
                await AssertGoldenStateAsync(_rest, name, step, tolerance, what);
                break;

            default:
                Assert.Fail($"{what}: unknown op");
                break;
        }
    }
}
