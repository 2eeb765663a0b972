using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Bn.V1;
using BnService.Tests.Grpc;
using BnService.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using Xunit.Abstractions;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Layers;

/// <summary>
/// Train, Infer, Backward and BatchNormalization, over gRPC (data and raw_data) and REST (JSON, and binary where a
/// route takes it), all at once with tensors of one element count, so that every call rents and returns arrays of the
/// same pooled length (inputs, gradients, operands and outputs alike): each answer is the one the same call made alone
/// gave, while some calls fail (a bad request, an unknown layer) or are cancelled midway. An array returned twice, or
/// returned while a call still reads or writes it, shows as an answer with another call's values.
/// </summary>
public sealed class SharedPoolLengthTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Channels = 16;

    /// <summary>[73, 16] float32: 4672 bytes a tensor, a length no other test pools.</summary>
    private static readonly int[] Shape = [73, Channels];

    /// <summary>The same element count in a shape the layers (16 channels) and the operands refuse.</summary>
    private static readonly int[] BadShape = [Channels, 73];

    private const int Inputs = 4;

    /// <summary>How an answer that is a failure starts (then its status).</summary>
    private const string Failed = "failed: ";
    private const int TasksPerEndpoint = 3;
    private const int CallsPerTask = 25;

    private enum Kind
    {
        Good,
        BadRequest,
        UnknownLayer,
    }

    private sealed record Endpoint(string Name, Func<Kind, int, CancellationToken, Task<string>> Call);

    private GrpcHost _host = null!;
    private string _trained = null!;
    private string _fixedLayer = null!;

    public async Task InitializeAsync()
    {
        _host = GrpcHost.Start();
        _trained = LayerNames.Unique("pool-length-train");
        _fixedLayer = LayerNames.Unique("pool-length-fixed");
        foreach (var name in new[] { _trained, _fixedLayer })
        {
            await _host.Client.CreateLayerAsync(new CreateLayerRequest
            {
                Config = new LayerConfig { Name = name, Channels = Channels, Epsilon = 0.01, Center = true, Scale = true },
            });
        }
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task EveryAnswerIsTheOneTheCallGivesAloneWhileOthersShareItsArrays()
    {
        var endpoints = Endpoints();
        var kinds = Enum.GetValues<Kind>();

        // Each call alone first: the answers to compare with.
        var expected = new Dictionary<(string, Kind, int), string>();
        foreach (var endpoint in endpoints)
        {
            foreach (var kind in kinds)
            {
                for (var input = 0; input < Inputs; input++)
                {
                    expected[(endpoint.Name, kind, input)] = await endpoint.Call(kind, input, CancellationToken.None);
                }
            }

            Assert.All(Enumerable.Range(0, Inputs), i => Assert.DoesNotContain(Failed, expected[(endpoint.Name, Kind.Good, i)], StringComparison.Ordinal));
            Assert.StartsWith(Failed, expected[(endpoint.Name, Kind.BadRequest, 0)], StringComparison.Ordinal);
            Assert.StartsWith(Failed, expected[(endpoint.Name, Kind.UnknownLayer, 0)], StringComparison.Ordinal);
        }

        // All at once.
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int answered = 0, failed = 0, cancelled = 0;
        var tasks = endpoints.SelectMany((endpoint, e) => Enumerable.Range(0, TasksPerEndpoint).Select(t => Task.Run(async () =>
        {
            var random = new Random((e * 100) + t);
            await start.Task;
            for (var i = 0; i < CallsPerTask; i++)
            {
                var roll = random.Next(10);
                var kind = roll switch { < 6 => Kind.Good, 6 => Kind.BadRequest, 7 => Kind.UnknownLayer, _ => Kind.Good };
                var input = random.Next(Inputs);
                var what = $"{endpoint.Name} {kind} input {input}";
                if (roll >= 8)
                {
                    // Cancelled at some point of its way: an answer that still comes must be the right one.
                    using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(random.Next(0, 6)));
                    string? answer;
                    try
                    {
                        answer = await endpoint.Call(kind, input, cancel.Token);
                    }
                    catch (Exception ex) when (IsCancellation(ex))
                    {
                        answer = null;
                    }

                    // A call cancelled on its way may end in any failure (its request cut short on the server); one
                    // that answers, or fails before it was cancelled, answers as alone.
                    if (answer is null || (answer.StartsWith(Failed, StringComparison.Ordinal) && cancel.IsCancellationRequested))
                    {
                        Interlocked.Increment(ref cancelled);
                    }
                    else
                    {
                        Assert.True(answer == expected[(endpoint.Name, kind, input)], $"{what} (cancelled late): {Differs(answer, expected[(endpoint.Name, kind, input)])}");
                        Interlocked.Increment(ref answered);
                    }

                    continue;
                }

                var got = await endpoint.Call(kind, input, CancellationToken.None);
                Assert.True(got == expected[(endpoint.Name, kind, input)], $"{what}: {Differs(got, expected[(endpoint.Name, kind, input)])}");
                Interlocked.Increment(ref kind == Kind.Good ? ref answered : ref failed);
            }
        }))).ToList();
        start.SetResult();
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromMinutes(2));

        output.WriteLine($"{tasks.Count} tasks: {answered} answered, {failed} refused, {cancelled} cancelled");
        Assert.True(answered >= tasks.Count * CallsPerTask / 2, $"only {answered} answers");
        Assert.True(failed > 0 && cancelled > 0, $"{failed} refused, {cancelled} cancelled");

        // And alone again afterwards: nothing left behind in the arrays the pool hands out.
        foreach (var endpoint in endpoints)
        {
            for (var input = 0; input < Inputs; input++)
            {
                Assert.Equal(expected[(endpoint.Name, Kind.Good, input)], await endpoint.Call(Kind.Good, input, CancellationToken.None));
            }
        }
    }

    /// <summary>How an answer differs from the one the call gave alone.</summary>
    private static string Differs(string answer, string alone)
    {
        var at = 0;
        while (at < Math.Min(answer.Length, alone.Length) && answer[at] == alone[at])
        {
            at++;
        }

        return $"another answer than alone: {answer[..Math.Min(60, answer.Length)]} ({answer.Length} characters) " +
               $"where alone {alone[..Math.Min(60, alone.Length)]} ({alone.Length} characters); first difference at {at}";
    }

    private static bool IsCancellation(Exception e) =>
        e is OperationCanceledException || (e is RpcException rpc && rpc.StatusCode is StatusCode.Cancelled or StatusCode.DeadlineExceeded);

    private List<Endpoint> Endpoints()
    {
        var grpc = _host.Client;
        var rest = _host.Rest;
        return
        [
            new("gRPC Train", (kind, i, ct) => Grpc(async () =>
            {
                var answer = await grpc.TrainAsync(new TrainRequest { Name = Layer(_trained, kind), Input = Tensor(kind, i, 0) }, cancellationToken: ct);
                // The output and the batch's moments; the step counts the calls made so far.
                return new TrainResponse { Output = answer.Output, BatchMean = { answer.BatchMean }, BatchVariance = { answer.BatchVariance } };
            })),
            new("gRPC Infer", (kind, i, ct) => Grpc(async () =>
                await grpc.InferAsync(new InferRequest { Name = Layer(_fixedLayer, kind), Input = Tensor(kind, i, 1) }, cancellationToken: ct))),
            new("gRPC Backward", (kind, i, ct) => Grpc(async () => await grpc.BackwardAsync(new BackwardRequest
            {
                Name = Layer(_fixedLayer, kind), Input = Tensor(kind, i, 2), GradOutput = Tensor(Kind.Good, i, 3),
            }, cancellationToken: ct))),
            new("gRPC BatchNormalization", (kind, i, ct) => Grpc(async () => await grpc.BatchNormalizationAsync(new BatchNormalizationRequest
            {
                X = Tensor(Kind.Good, i, 4), Mean = Tensor(Kind.Good, i, 5), Variance = Tensor(kind, i, 6, positive: true),
                Offset = Tensor(Kind.Good, i, 7), Scale = Tensor(kind == Kind.UnknownLayer ? Kind.BadRequest : Kind.Good, i, 8),
                VarianceEpsilon = 0.001,
            }, cancellationToken: ct))),
            new("REST Train", (kind, i, ct) => Rest(rest, $"/v1/layers/{Layer(_trained, kind)}/train", kind, i, 0, binary: i % 2 == 1, ct, body =>
            {
                if (body is JsonObject json)
                {
                    json.Remove("step");
                    json.Remove("pending_updates");
                }
            })),
            new("REST Infer", (kind, i, ct) => Rest(rest, $"/v1/layers/{Layer(_fixedLayer, kind)}/infer", kind, i, 1, binary: i % 2 == 1, ct)),
            new("REST Backward", (kind, i, ct) => Send(rest, $"/v1/layers/{Layer(_fixedLayer, kind)}/backward", Json(new JsonObject
            {
                ["input"] = JsonTensor(kind, i, 2), ["grad_output"] = JsonTensor(Kind.Good, i, 3),
            }), ct)),
            new("REST BatchNormalization", (kind, i, ct) => Send(rest, "/v1/ops/batch_normalization", Json(new JsonObject
            {
                ["x"] = JsonTensor(Kind.Good, i, 4), ["mean"] = JsonTensor(Kind.Good, i, 5), ["variance"] = JsonTensor(kind, i, 6, positive: true),
                ["offset"] = JsonTensor(Kind.Good, i, 7), ["scale"] = JsonTensor(kind == Kind.UnknownLayer ? Kind.BadRequest : Kind.Good, i, 8),
                ["variance_epsilon"] = 0.001,
            }), ct)),
        ];
    }

    /// <summary>The layer, or for <see cref="Kind.UnknownLayer"/> one that does not exist.</summary>
    private static string Layer(string name, Kind kind) => kind == Kind.UnknownLayer ? name + "-missing" : name;

    /// <summary>A tensor of the shared element count: in data for even inputs, raw_data for odd ones; the bad shape for a bad request.</summary>
    private static Tensor Tensor(Kind kind, int input, int operand, bool positive = false) =>
        Tensors.Of([.. (kind == Kind.BadRequest ? BadShape : Shape).Select(d => (long)d)], Values(input, operand, positive), raw: input % 2 == 1);

    private static JsonObject JsonTensor(Kind kind, int input, int operand, bool positive = false) =>
        RestCalls.Tensor(kind == Kind.BadRequest ? BadShape : Shape, Values(input, operand, positive));

    private static float[] Values(int input, int operand, bool positive)
    {
        var random = new Random((input * 16) + operand);
        var values = new float[Shape[0] * Shape[1]];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = positive ? 0.1f + (float)random.NextDouble() : (float)(((random.NextDouble() * 2) - 1) * 3);
        }

        return values;
    }

    /// <summary>The answer's bytes, or the status it failed with.</summary>
    private static async Task<string> Grpc<T>(Func<Task<T>> call)
        where T : IMessage
    {
        try
        {
            return Convert.ToBase64String((await call()).ToByteArray());
        }
        catch (RpcException e) when (e.StatusCode is not (StatusCode.Cancelled or StatusCode.DeadlineExceeded))
        {
            return $"{Failed}{e.StatusCode} {e.Status.Detail}";
        }
    }

    private Task<string> Rest(HttpClient client, string path, Kind kind, int input, int operand, bool binary, CancellationToken cancellationToken,
        Action<JsonNode?>? without = null)
    {
        HttpContent content;
        if (binary)
        {
            content = Binary(kind == Kind.BadRequest ? BadShape : Shape, Values(input, operand, positive: false));
        }
        else
        {
            content = Json(new JsonObject { ["input"] = JsonTensor(kind, input, operand) });
        }

        return Send(client, path, content, cancellationToken, without, binary);
    }

    /// <summary>The answer's body (JSON text, or binary bytes), or the status it failed with.</summary>
    private static async Task<string> Send(HttpClient client, string path, HttpContent content, CancellationToken cancellationToken,
        Action<JsonNode?>? without = null, bool binary = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (binary)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/octet-stream"));
        }

        using var response = await client.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return $"{Failed}{(int)response.StatusCode}";
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        if (binary)
        {
            return Convert.ToBase64String(await response.Content.ReadAsByteArrayAsync(cancellationToken));
        }

        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        without?.Invoke(body);
        return body!.ToJsonString();
    }
}
