using System.Text.Json.Nodes;
using BnService.Tests.Grpc;
using BnService.Tests.Infrastructure;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Rest;

/// <summary>
/// Every golden case replayed over REST: the case is written in API terms, so its layer config and step
/// requests are posted as they are, and each answer is compared with the case's own tolerance.
/// </summary>
[Collection(SharedServiceCollection.Name)]
public class RestGoldenTests(SharedService factory)
{
    private readonly HttpClient _client = factory.CreateClient();

    public static TheoryData<string> LayerCases() => GoldenFile.LayerCaseIds();

    public static TheoryData<string> OpCases() => GoldenFile.OpCaseIds();

    [Theory]
    [MemberData(nameof(LayerCases))]
    public async Task LayerCaseReplaysOverRest(string id)
    {
        var golden = GoldenFile.Case(id);
        var tolerance = Tolerance.Of(golden);
        var config = golden["layer"]!.DeepClone().AsObject();
        var name = LayerNames.Unique("golden-" + id);
        config["name"] = name;
        await CreateLayerAsync(_client, config);

        var index = 0;
        foreach (var step in golden["steps"]!.AsArray())
        {
            var what = $"{id} step {index++} ({(string)step!["op"]!})";
            switch ((string)step["op"]!)
            {
                case "train":
                {
                    var body = new JsonObject { ["input"] = step["input"]!.DeepClone() };
                    if (step["batch_weights"] is { } weights)
                    {
                        body["batch_weights"] = weights.DeepClone();
                    }

                    var answer = await PostAsync($"/v1/layers/{name}/train", body);
                    AssertTensor(tolerance, step["expect"]!["output"], answer["output"], what + " output");
                    tolerance.AssertClose(step["expect"]!["batch_mean"], Doubles(answer["batch_mean"]), what + " batch_mean");
                    tolerance.AssertClose(step["expect"]!["batch_variance"], Doubles(answer["batch_variance"]), what + " batch_variance");
                    break;
                }

                case "infer":
                {
                    var answer = await PostAsync($"/v1/layers/{name}/infer", new JsonObject { ["input"] = step["input"]!.DeepClone() });
                    AssertTensor(tolerance, step["expect"]!["output"], answer["output"], what + " output");
                    break;
                }

                case "backward":
                {
                    var body = new JsonObject
                    {
                        ["input"] = step["input"]!.DeepClone(),
                        ["grad_output"] = step["grad_output"]!.DeepClone(),
                        ["is_training"] = step["is_training"]!.DeepClone(),
                    };
                    if (step["apply"] is { } apply)
                    {
                        body["apply"] = apply.DeepClone();
                    }

                    var answer = await PostAsync($"/v1/layers/{name}/backward", body);
                    var expect = step["expect"]!;
                    AssertTensor(tolerance, expect["grad_input"], answer["grad_input"], what + " grad_input");
                    tolerance.AssertClose(expect["grad_gamma"], Doubles(answer["grad_gamma"]), what + " grad_gamma");
                    tolerance.AssertClose(expect["grad_beta"], Doubles(answer["grad_beta"]), what + " grad_beta");
                    tolerance.AssertClose((double)expect["regularization_loss"]!, (double)answer["regularization_loss"]!, what + " regularization_loss");
                    break;
                }

                case "commit":
                    await PostAsync($"/v1/layers/{name}/commit", null);
                    break;

                case "state":
                    await AssertGoldenStateAsync(_client, name, step, tolerance, what);
                    break;

                default:
                    Assert.Fail($"{what}: unknown op");
                    break;
            }
        }
    }

    [Theory]
    [MemberData(nameof(OpCases))]
    public async Task OpCaseReplaysOverRest(string id)
    {
        var golden = GoldenFile.Case(id);
        var tolerance = Tolerance.Of(golden);
        var answer = await PostAsync($"/v1/ops/{(string)golden["op"]!}", golden["request"]!.DeepClone().AsObject());
        foreach (var (field, expected) in golden["expect"]!.AsObject())
        {
            AssertTensor(tolerance, expected, answer[field], $"{id} {field}");
        }
    }

    private async Task<JsonNode> PostAsync(string route, JsonObject? body)
    {
        using var response = await _client.PostAsync(route, body is null ? null : Json(body));
        return await ReadJsonAsync(response);
    }

    private static void AssertTensor(Tolerance tolerance, JsonNode? expected, JsonNode? actual, string what)
    {
        Assert.Equal(expected!["shape"]!.AsArray().Select(d => (long)d!), actual!["shape"]!.AsArray().Select(d => (long)d!));
        tolerance.AssertClose(expected["data"], Doubles(actual["data"]), what);
    }
}
