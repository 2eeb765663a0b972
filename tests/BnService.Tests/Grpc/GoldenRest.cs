using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Bn.V1;
using Google.Protobuf;

namespace BnService.Tests.Grpc;

/// <summary>
/// The REST side of a golden replay: posts the golden JSON as it stands and checks that REST answers with
/// the very same numbers as gRPC (float32 and float64 compared bit for bit; both serializers round-trip).
/// </summary>
internal sealed class GoldenRest(HttpClient http)
{
    private static readonly JsonParser LenientParser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public async Task<JsonObject> Post(string path, JsonNode? body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var content = new StringContent(body?.ToJsonString() ?? "{}", Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), content);
        return await Read(response, expected, path);
    }

    public async Task<JsonObject> Get(string path)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        return await Read(response, HttpStatusCode.OK, path);
    }

    /// <summary>A step's request body: the golden step without its <c>op</c> and <c>expect</c>.</summary>
    public static JsonObject StepBody(JsonObject step)
    {
        var body = step.DeepClone().AsObject();
        body.Remove("op");
        body.Remove("expect");
        return body;
    }

    public static void AssertSameTensor(Tensor grpc, JsonNode? rest, string what)
    {
        Assert.Equal(grpc.Shape.ToArray(), rest!["shape"]!.AsArray().Select(d => (long)d!).ToArray());
        var restBits = rest["data"]!.AsArray().Select(v => BitConverter.SingleToInt32Bits((float)v!)).ToArray();
        var grpcBits = Tensors.Values(grpc).Select(BitConverter.SingleToInt32Bits).ToArray();
        Assert.True(grpcBits.AsSpan().SequenceEqual(restBits), $"{what}: REST and gRPC differ");
    }

    public static void AssertSameDoubles(IEnumerable<double> grpc, JsonNode? rest, string what)
    {
        var restBits = rest!.AsArray().Select(v => BitConverter.DoubleToInt64Bits((double)v!)).ToArray();
        var grpcBits = grpc.Select(BitConverter.DoubleToInt64Bits).ToArray();
        Assert.True(grpcBits.AsSpan().SequenceEqual(restBits), $"{what}: REST and gRPC differ");
    }

    /// <summary>A REST layer body against a gRPC layer: the config through the proto's JSON mapping, the state bit for bit.</summary>
    public static void AssertSameLayer(Layer grpc, JsonObject rest, string what)
    {
        var restConfig = LenientParser.Parse<Bn.V1.LayerConfig>(rest.ToJsonString());
        var grpcConfig = grpc.Config.Clone();
        grpcConfig.Name = restConfig.Name;
        Assert.Equal(grpcConfig, restConfig);
        Assert.Equal(grpc.Step, (long)rest["step"]!);
        Assert.Equal(grpc.PendingUpdates, (int)rest["pending_updates"]!);
        Assert.Equal(grpc.Version, (long)rest["version"]!);
        foreach (var field in new[] { "gamma", "beta", "moving_mean", "moving_variance", "renorm_mean", "renorm_stddev" })
        {
            var values = (IEnumerable<double>)Layer.Descriptor.FindFieldByName(field).Accessor.GetValue(grpc);
            AssertSameDoubles(values, rest[field], $"{what} {field}");
        }
    }

    private static async Task<JsonObject> Read(HttpResponseMessage response, HttpStatusCode expected, string path)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }
}
