using System.Net;
using System.Text.Json.Nodes;
using BnEngine;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Durability;

/// <summary>
/// One layer trained over REST with numbered batches, each sent with its own request_id, and the serial
/// replay of a sequence of those batches on the engine in-process (the expected state).
/// </summary>
internal sealed class TrainingRun(string name)
{
    public const int Channels = 3;
    public const double Decay = 0.8;
    private static readonly int[] Shape = [8, 2, Channels];

    public string Name { get; } = name;

    public JsonObject Config => new() { ["name"] = Name, ["channels"] = Channels, ["decay"] = Decay, ["scale"] = true, ["epsilon"] = 0.01 };

    public static string RequestId(int batch) => $"batch-{batch}";

    public static float[] Batch(int index)
    {
        var random = new Random(index);
        return [.. Enumerable.Range(0, 48).Select(_ => (float)((random.NextDouble() * 4) - 2 + (index % 7)))];
    }

    public Task<HttpResponseMessage> PostTrainAsync(HttpClient client, int batch) =>
        client.PostAsync($"/v1/layers/{Name}/train",
            Json(new JsonObject { ["input"] = Tensor(Shape, Batch(batch)), ["request_id"] = RequestId(batch) }));

    /// <summary>Trains on one batch and returns the step the service answered.</summary>
    public async Task<long> TrainAsync(HttpClient client, int batch)
    {
        using var response = await PostTrainAsync(client, batch);
        return (long)(await ReadJsonAsync(response))["step"]!;
    }

    public async Task<JsonNode> GetAsync(HttpClient client)
    {
        using var response = await client.GetAsync($"/v1/layers/{Name}");
        return await ReadJsonAsync(response, HttpStatusCode.OK);
    }

    /// <summary>The engine's layer of <see cref="Config"/>, fresh.</summary>
    public BatchNormLayer Layer() =>
        new(LayerConfig.Resolve(new LayerSpec { Name = Name, Channels = Channels, Decay = new Decay(Decay), Scale = true, Epsilon = 0.01 }));

    /// <summary>The state after the given batches in this order, computed by the engine itself.</summary>
    public LayerState Replay(IEnumerable<int> batches)
    {
        var layer = Layer();
        var shape = TensorShape.Create(Shape, "input.shape");
        var output = new float[shape.ElementCount];
        foreach (var batch in batches)
        {
            layer.Train(shape, Batch(batch), output);
        }

        return layer.CaptureState();
    }

    /// <summary>Step and statistics of the layer representation equal the replayed state, to the last bit.</summary>
    public static void AssertState(LayerState expected, JsonNode actual)
    {
        Assert.Equal(expected.Step, (long)actual["step"]!);
        Assert.Equal(expected.MovingMean, Doubles(actual["moving_mean"]));
        Assert.Equal(expected.MovingVariance, Doubles(actual["moving_variance"]));
        Assert.Equal(expected.Gamma, Doubles(actual["gamma"]));
        Assert.Equal(expected.Beta, Doubles(actual["beta"]));
    }
}
