using System.Text.Json.Nodes;
using Bn.V1;
using Google.Protobuf;

namespace BnService.Tests.Grpc;

/// <summary>
/// Golden steps (api.md JSON) as gRPC requests. Layer configs go through the proto's JSON mapping (field names
/// are api.md's); tensor values are parsed straight to float32, as a REST server parses them.
/// </summary>
internal static class GoldenRequests
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    public static LayerConfig Config(JsonObject layer, string name)
    {
        var config = Parser.Parse<LayerConfig>(layer.ToJsonString());
        config.Name = name;
        return config;
    }

    public static Tensor Tensor(JsonNode? node, bool raw) => node is null
        ? null!
        : Tensors.Of(node["shape"]!.AsArray().Select(d => (long)d!).ToArray(), Floats(node["data"]), raw);

    public static float[] Floats(JsonNode? node) => node!.AsArray().Select(v => (float)v!).ToArray();

    public static TrainRequest Train(JsonObject step, string name, bool raw)
    {
        var request = new TrainRequest { Name = name, Input = Tensor(step["input"], raw) };
        if (step["batch_weights"] is { } weights)
        {
            request.BatchWeights.AddRange(Floats(weights));
        }

        return request;
    }

    public static InferRequest Infer(JsonObject step, string name, bool raw) => new() { Name = name, Input = Tensor(step["input"], raw) };

    public static BackwardRequest Backward(JsonObject step, string name, bool raw)
    {
        var request = new BackwardRequest { Name = name, Input = Tensor(step["input"], raw), GradOutput = Tensor(step["grad_output"], raw) };
        if (step["is_training"] is { } isTraining)
        {
            request.IsTraining = (bool)isTraining;
        }

        if (step["apply"] is JsonObject apply)
        {
            request.Apply = new BackwardApply { LearningRate = (double)apply["learning_rate"]! };
        }

        return request;
    }

    public static MomentsRequest Moments(JsonObject request, bool raw)
    {
        var result = new MomentsRequest { Input = Tensor(request["input"], raw), KeepDims = (bool?)request["keep_dims"] ?? false };
        result.Axes.AddRange(request["axes"]!.AsArray().Select(a => (int)a!));
        if (request["frequency_weights"] is { } weights)
        {
            result.FrequencyWeights = Tensor(weights, raw);
        }

        return result;
    }

    public static BatchNormalizationRequest BatchNormalization(JsonObject request, bool raw)
    {
        var result = new BatchNormalizationRequest
        {
            X = Tensor(request["x"], raw),
            Mean = Tensor(request["mean"], raw),
            Variance = Tensor(request["variance"], raw),
            VarianceEpsilon = (double)request["variance_epsilon"]!,
        };
        if (request["offset"] is { } offset)
        {
            result.Offset = Tensor(offset, raw);
        }

        if (request["scale"] is { } scale)
        {
            result.Scale = Tensor(scale, raw);
        }

        return result;
    }
}
