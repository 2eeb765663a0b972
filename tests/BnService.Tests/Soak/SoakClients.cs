using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Bn.V1;
using Google.Protobuf;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Soak;

/// <summary>What a train call answered: its step, and the batch mean when the encoding carries it.</summary>
public sealed record TrainAnswer(long Step, double[]? BatchMean);

/// <summary>The four calls of the soak, over one transport; <paramref name="variant"/> picks the encoding (JSON or binary, data or raw_data).</summary>
public interface ISoakClient
{
    Task<TrainAnswer> TrainAsync(SoakLayer layer, float[] batch, bool variant);

    Task InferAsync(SoakLayer layer, float[] batch, bool variant);

    Task BackwardAsync(SoakLayer layer, float[] batch, float[] gradOutput, double? learningRate);

    Task<long> GetStepAsync(SoakLayer layer);
}

public sealed class RestSoakClient(HttpClient http) : ISoakClient
{
    public async Task<TrainAnswer> TrainAsync(SoakLayer layer, float[] batch, bool binary)
    {
        if (binary)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/layers/{layer.Name}/train") { Content = Binary(layer.Shape, batch) };
            request.Headers.Accept.ParseAdd("application/octet-stream");
            using var response = await http.SendAsync(request);
            await Ensure(response);
            return new TrainAnswer(long.Parse(response.Headers.GetValues("X-Layer-Step").Single(), CultureInfo.InvariantCulture), null);
        }

        var answer = await ReadJsonAsync(await http.PostAsync($"/v1/layers/{layer.Name}/train", Json(new JsonObject { ["input"] = Tensor(layer.Shape, batch) })));
        return new TrainAnswer((long)answer["step"]!, Doubles(answer["batch_mean"]));
    }

    public async Task InferAsync(SoakLayer layer, float[] batch, bool binary)
    {
        using var response = await http.PostAsync($"/v1/layers/{layer.Name}/infer",
            binary ? Binary(layer.Shape, batch) : Json(new JsonObject { ["input"] = Tensor(layer.Shape, batch) }));
        await Ensure(response);
    }

    public async Task BackwardAsync(SoakLayer layer, float[] batch, float[] gradOutput, double? learningRate)
    {
        var body = new JsonObject { ["input"] = Tensor(layer.Shape, batch), ["grad_output"] = Tensor(layer.Shape, gradOutput) };
        if (learningRate is { } rate)
        {
            body["apply"] = new JsonObject { ["learning_rate"] = rate };
        }

        using var response = await http.PostAsync($"/v1/layers/{layer.Name}/backward", Json(body));
        await Ensure(response);
    }

    public async Task<long> GetStepAsync(SoakLayer layer) => (long)(await ReadJsonAsync(await http.GetAsync($"/v1/layers/{layer.Name}")))["step"]!;

    private static async Task Ensure(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }
}

public sealed class GrpcSoakClient(BatchNorm.BatchNormClient client) : ISoakClient
{
    public async Task<TrainAnswer> TrainAsync(SoakLayer layer, float[] batch, bool raw)
    {
        var answer = await client.TrainAsync(new TrainRequest { Name = layer.Name, Input = Tensor(layer, batch, raw) });
        return new TrainAnswer(answer.Step, [.. answer.BatchMean]);
    }

    public async Task InferAsync(SoakLayer layer, float[] batch, bool raw) =>
        await client.InferAsync(new InferRequest { Name = layer.Name, Input = Tensor(layer, batch, raw) });

    public async Task BackwardAsync(SoakLayer layer, float[] batch, float[] gradOutput, double? learningRate) =>
        await client.BackwardAsync(new BackwardRequest
        {
            Name = layer.Name, Input = Tensor(layer, batch, false), GradOutput = Tensor(layer, gradOutput, false),
            Apply = learningRate is { } rate ? new BackwardApply { LearningRate = rate } : null,
        });

    public async Task<long> GetStepAsync(SoakLayer layer) => (await client.GetLayerAsync(new GetLayerRequest { Name = layer.Name })).Layer.Step;

    private static Bn.V1.Tensor Tensor(SoakLayer layer, float[] values, bool raw)
    {
        var tensor = new Bn.V1.Tensor { Shape = { layer.Shape.Select(d => (long)d) } };
        if (raw)
        {
            tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        else
        {
            tensor.Data.AddRange(values);
        }

        return tensor;
    }
}
