using System.Text.Json.Nodes;
using Bn.V1;

namespace BnService.Tests.Grpc;

/// <summary>
/// Every golden case replayed over gRPC, compared with the case's tolerance; the same case replayed in
/// raw_data, and over REST with the golden JSON as it stands, gives bit for bit the same numbers.
/// </summary>
public sealed class GrpcGoldenTests(GoldenHost fixture) : IClassFixture<GoldenHost>
{
    private readonly BatchNorm.BatchNormClient _client = fixture.Host.Client;
    private readonly GoldenRest _rest = new(fixture.Host.Rest);

    public static TheoryData<string> LayerCases => GoldenFile.LayerCaseIds();

    public static TheoryData<string> OpCases => GoldenFile.OpCaseIds();

    [Theory]
    [MemberData(nameof(LayerCases))]
    public async Task LayerCase(string id)
    {
        var golden = GoldenFile.Case(id);
        var tolerance = Tolerance.Of(golden);
        var layer = golden["layer"]!.AsObject();
        var dataName = id + ".grpc";
        var rawName = id + ".grpc-raw";
        var restName = id + ".rest";
        var restPath = "/v1/layers/" + restName;
        var created = await _client.CreateLayerAsync(new CreateLayerRequest { Config = GoldenRequests.Config(layer, dataName) });
        var createdRaw = await _client.CreateLayerAsync(new CreateLayerRequest { Config = GoldenRequests.Config(layer, rawName) });
        var restLayer = layer.DeepClone().AsObject();
        restLayer["name"] = restName;
        var createdRest = await _rest.Post("/v1/layers", restLayer, System.Net.HttpStatusCode.Created);
        AssertSameLayer(created.Layer, createdRaw.Layer);
        GoldenRest.AssertSameLayer(created.Layer, createdRest, id + " created");

        var index = 0;
        foreach (var node in golden["steps"]!.AsArray())
        {
            var step = node!.AsObject();
            var expect = step["expect"] as JsonObject;
            var where = $"{id} step {index++} ({(string)step["op"]!})";
            switch ((string)step["op"]!)
            {
                case "train":
                {
                    var data = await _client.TrainAsync(GoldenRequests.Train(step, dataName, raw: false));
                    var raw = await _client.TrainAsync(GoldenRequests.Train(step, rawName, raw: true));
                    tolerance.AssertTensor(expect!["output"], data.Output, where + " output");
                    tolerance.AssertClose(expect["batch_mean"], data.BatchMean, where + " batch_mean");
                    tolerance.AssertClose(expect["batch_variance"], data.BatchVariance, where + " batch_variance");
                    Assert.False(raw.Output.RawData.IsEmpty);
                    AssertBitwise(data.Output, raw.Output);
                    raw.Output = data.Output;
                    Assert.Equal(data, raw);
                    var rest = await _rest.Post(restPath + "/train", GoldenRest.StepBody(step));
                    GoldenRest.AssertSameTensor(data.Output, rest["output"], where + " REST output");
                    GoldenRest.AssertSameDoubles(data.BatchMean, rest["batch_mean"], where + " REST batch_mean");
                    GoldenRest.AssertSameDoubles(data.BatchVariance, rest["batch_variance"], where + " REST batch_variance");
                    Assert.Equal(data.Step, (long)rest["step"]!);
                    Assert.Equal(data.PendingUpdates, (int)rest["pending_updates"]!);
                    break;
                }

                case "infer":
                {
                    var data = await _client.InferAsync(GoldenRequests.Infer(step, dataName, raw: false));
                    var raw = await _client.InferAsync(GoldenRequests.Infer(step, rawName, raw: true));
                    tolerance.AssertTensor(expect!["output"], data.Output, where + " output");
                    AssertBitwise(data.Output, raw.Output);
                    var rest = await _rest.Post(restPath + "/infer", GoldenRest.StepBody(step));
                    GoldenRest.AssertSameTensor(data.Output, rest["output"], where + " REST output");
                    break;
                }

                case "backward":
                {
                    var data = await _client.BackwardAsync(GoldenRequests.Backward(step, dataName, raw: false));
                    var raw = await _client.BackwardAsync(GoldenRequests.Backward(step, rawName, raw: true));
                    tolerance.AssertTensor(expect!["grad_input"], data.GradInput, where + " grad_input");
                    tolerance.AssertClose(expect["grad_gamma"], data.GradGamma, where + " grad_gamma");
                    tolerance.AssertClose(expect["grad_beta"], data.GradBeta, where + " grad_beta");
                    tolerance.AssertClose((double)expect["regularization_loss"]!, data.RegularizationLoss, where + " regularization_loss");
                    AssertBitwise(data.GradInput, raw.GradInput);
                    raw.GradInput = data.GradInput;
                    Assert.Equal(data, raw);
                    var rest = await _rest.Post(restPath + "/backward", GoldenRest.StepBody(step));
                    GoldenRest.AssertSameTensor(data.GradInput, rest["grad_input"], where + " REST grad_input");
                    GoldenRest.AssertSameDoubles(data.GradGamma, rest["grad_gamma"], where + " REST grad_gamma");
                    GoldenRest.AssertSameDoubles(data.GradBeta, rest["grad_beta"], where + " REST grad_beta");
                    GoldenRest.AssertSameDoubles([data.RegularizationLoss], new JsonArray((double)rest["regularization_loss"]!), where + " REST regularization_loss");
                    break;
                }

                case "commit":
                {
                    var data = await _client.CommitAsync(new CommitRequest { Name = dataName });
                    var raw = await _client.CommitAsync(new CommitRequest { Name = rawName });
                    AssertSameLayer(data.Layer, raw.Layer);
                    GoldenRest.AssertSameLayer(data.Layer, await _rest.Post(restPath + "/commit", null), where + " REST");
                    break;
                }

                case "state":
                {
                    var data = (await _client.GetLayerAsync(new GetLayerRequest { Name = dataName })).Layer;
                    var raw = (await _client.GetLayerAsync(new GetLayerRequest { Name = rawName })).Layer;
                    AssertState(expect!, data, tolerance, where);
                    AssertSameLayer(data, raw);
                    GoldenRest.AssertSameLayer(data, await _rest.Get(restPath), where + " REST");
                    break;
                }

                default:
                    throw new InvalidDataException($"{where}: unknown op");
            }
        }
    }

    [Theory]
    [MemberData(nameof(OpCases))]
    public async Task OpCase(string id)
    {
        var golden = GoldenFile.Case(id);
        var tolerance = Tolerance.Of(golden);
        var request = golden["request"]!.AsObject();
        var expect = golden["expect"]!.AsObject();
        switch ((string)golden["op"]!)
        {
            case "moments":
            {
                var data = await _client.MomentsAsync(GoldenRequests.Moments(request, raw: false));
                var raw = await _client.MomentsAsync(GoldenRequests.Moments(request, raw: true));
                tolerance.AssertTensor(expect["mean"], data.Mean, id + " mean");
                tolerance.AssertTensor(expect["variance"], data.Variance, id + " variance");
                AssertBitwise(data.Mean, raw.Mean);
                AssertBitwise(data.Variance, raw.Variance);
                var rest = await _rest.Post("/v1/ops/moments", request);
                GoldenRest.AssertSameTensor(data.Mean, rest["mean"], id + " REST mean");
                GoldenRest.AssertSameTensor(data.Variance, rest["variance"], id + " REST variance");
                break;
            }

            case "batch_normalization":
            {
                var data = await _client.BatchNormalizationAsync(GoldenRequests.BatchNormalization(request, raw: false));
                var raw = await _client.BatchNormalizationAsync(GoldenRequests.BatchNormalization(request, raw: true));
                tolerance.AssertTensor(expect["output"], data.Output, id + " output");
                AssertBitwise(data.Output, raw.Output);
                var rest = await _rest.Post("/v1/ops/batch_normalization", request);
                GoldenRest.AssertSameTensor(data.Output, rest["output"], id + " REST output");
                break;
            }

            default:
                throw new InvalidDataException($"{id}: unknown op");
        }
    }

    private static void AssertState(JsonObject expect, Layer layer, Tolerance tolerance, string where)
    {
        foreach (var (key, value) in expect)
        {
            switch (key)
            {
                case "step":
                    Assert.Equal((long)value!, layer.Step);
                    break;
                case "pending_updates":
                    Assert.Equal((int)value!, layer.PendingUpdates);
                    break;
                default:
                    var field = Layer.Descriptor.FindFieldByName(key) ?? throw new InvalidDataException($"{where}: unknown state field {key}");
                    tolerance.AssertClose(value, ((IEnumerable<double>)field.Accessor.GetValue(layer)).ToArray(), $"{where} {key}");
                    break;
            }
        }
    }

    /// <summary>Same values bit for bit, whatever the encodings.</summary>
    internal static void AssertBitwise(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(Bits(Tensors.Values(expected)), Bits(Tensors.Values(actual)));
    }

    /// <summary>Two layers equal but for their names (protobuf compares doubles bitwise).</summary>
    private static void AssertSameLayer(Layer expected, Layer actual)
    {
        var renamed = actual.Clone();
        renamed.Config.Name = expected.Config.Name;
        Assert.Equal(expected, renamed);
    }

    private static int[] Bits(float[] values) => Array.ConvertAll(values, BitConverter.SingleToInt32Bits);
}
