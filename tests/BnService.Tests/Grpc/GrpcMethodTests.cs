using Bn.V1;
using BnService.Grpc;
using BnService.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace BnService.Tests.Grpc;

/// <summary>Every bn.v1.BatchNorm method on the real service: success, and every error status api.md names.</summary>
public sealed class GrpcMethodTests(ServiceHost fixture) : IClassFixture<ServiceHost>
{
    private readonly BatchNorm.BatchNormClient _client = fixture.Host.Client;

    // ---- CreateLayer ----

    [Fact]
    public async Task CreateLayerCreatesAtTheInitializers()
    {
        var name = LayerNames.Unique("create");
        var response = await Create(name, channels: 3);

        Assert.True(response.Created);
        Assert.Equal(name, response.Layer.Config.Name);
        Assert.Equal(0, response.Layer.Step);
        Assert.Equal([1.0, 1.0, 1.0], response.Layer.MovingVariance);
        Assert.Equal(response.Layer, (await _client.GetLayerAsync(new GetLayerRequest { Name = name })).Layer);
    }

    [Fact]
    public async Task CreateLayerReuseModes()
    {
        var name = LayerNames.Unique("reuse");
        await AssertStatus(StatusCode.NotFound, () => Create(name, reuse: "reuse"));

        var first = await Create(name, reuse: "auto");
        Assert.True(first.Created);

        await AssertStatus(StatusCode.AlreadyExists, () => Create(name));
        await AssertStatus(StatusCode.AlreadyExists, () => Create(name, reuse: "never"));

        var reused = await Create(name, reuse: "reuse");
        Assert.False(reused.Created);
        Assert.Equal(first.Layer, reused.Layer);

        var auto = await Create(name, reuse: "auto");
        Assert.False(auto.Created);

        await AssertStatus(StatusCode.FailedPrecondition, () => Create(name, channels: 4, reuse: "reuse"));
        await AssertStatus(StatusCode.FailedPrecondition, () => Create(name, reuse: "auto", decay: Value.ForNull()));
    }

    [Fact]
    public async Task CreateLayerRejectsABadConfig()
    {
        var name = LayerNames.Unique("bad-config");
        var error = await AssertStatus(StatusCode.InvalidArgument, () => Create(name, decay: Value.ForNumber(1.5)));
        Assert.Equal("decay", error.Trailers.GetValue(GrpcErrorInterceptor.FieldTrailer));
        await AssertStatus(StatusCode.InvalidArgument, () => Create("bad name", channels: 3));
        await AssertStatus(StatusCode.NotFound, () => _client.GetLayerAsync(new GetLayerRequest { Name = name }).ResponseAsync);
    }

    // ---- GetLayer, ListLayers, DeleteLayer ----

    [Fact]
    public async Task GetLayerErrors()
    {
        await AssertStatus(StatusCode.NotFound, () => _client.GetLayerAsync(new GetLayerRequest { Name = LayerNames.Unique("missing") }).ResponseAsync);
        await AssertStatus(StatusCode.InvalidArgument, () => _client.GetLayerAsync(new GetLayerRequest { Name = "no/slashes" }).ResponseAsync);
    }

    [Fact]
    public async Task ListLayersFiltersByPrefixAndCollection()
    {
        var prefix = LayerNames.Unique("list");
        await Create(prefix + ".a", collections: ["blue"]);
        await Create(prefix + ".b", collections: ["red", "blue"]);
        await Create(prefix + ".c");

        var all = await _client.ListLayersAsync(new ListLayersRequest { Prefix = prefix });
        var blue = await _client.ListLayersAsync(new ListLayersRequest { Prefix = prefix, Collection = "blue" });
        var red = await _client.ListLayersAsync(new ListLayersRequest { Collection = "red" });

        Assert.Equal([prefix + ".a", prefix + ".b", prefix + ".c"], all.Layers.Select(l => l.Config.Name).Order(StringComparer.Ordinal));
        Assert.Equal([prefix + ".a", prefix + ".b"], blue.Layers.Select(l => l.Config.Name).Order(StringComparer.Ordinal));
        Assert.Contains(prefix + ".b", red.Layers.Select(l => l.Config.Name));
        Assert.DoesNotContain(prefix + ".a", red.Layers.Select(l => l.Config.Name));
    }

    [Fact]
    public async Task DeleteLayerRemovesIt()
    {
        var name = LayerNames.Unique("delete");
        await Create(name);

        await _client.DeleteLayerAsync(new DeleteLayerRequest { Name = name });

        await AssertStatus(StatusCode.NotFound, () => _client.GetLayerAsync(new GetLayerRequest { Name = name }).ResponseAsync);
        await AssertStatus(StatusCode.NotFound, () => _client.DeleteLayerAsync(new DeleteLayerRequest { Name = name }).ResponseAsync);
        Assert.DoesNotContain(name, (await _client.ListLayersAsync(new ListLayersRequest { Prefix = name })).Layers.Select(l => l.Config.Name));
        await AssertStatus(StatusCode.InvalidArgument, () => _client.DeleteLayerAsync(new DeleteLayerRequest { Name = "" }).ResponseAsync);
    }

    // ---- Train ----

    [Fact]
    public async Task TrainNormalizesAndCountsTheStep()
    {
        var name = LayerNames.Unique("train");
        await Create(name, channels: 2);

        var response = await _client.TrainAsync(new TrainRequest { Name = name, Input = Tensors.Data([2, 2], [1, 10, 3, 30]) });

        Assert.Equal(1, response.Step);
        Assert.Equal(0, response.PendingUpdates);
        Assert.Equal([2.0, 20.0], response.BatchMean);
        Assert.Equal([1.0, 100.0], response.BatchVariance);
        var output = Tensors.Values(response.Output);
        Assert.Equal(-output[0], output[2], 6);
        Assert.Equal(1, (await Get(name)).Step);
    }

    [Fact]
    public async Task TrainErrorsChangeNothing()
    {
        var name = LayerNames.Unique("train-errors");
        var before = (await Create(name, channels: 2)).Layer;

        await AssertStatus(StatusCode.InvalidArgument, () => Train(name, Tensors.Data([2, 3], [1, 2, 3, 4, 5, 6])));
        await AssertStatus(StatusCode.InvalidArgument, () => Train(name, Tensors.Data([2, 2], [1, float.NaN, 3, 4])));
        await AssertStatus(StatusCode.InvalidArgument, () => Train(name, Tensors.Data([2, 2], [1, float.PositiveInfinity, 3, 4])));
        await AssertStatus(StatusCode.InvalidArgument, () => Train(name, Tensors.Data([4], [1, 2, 3, 4])));
        await AssertStatus(StatusCode.InvalidArgument, () => _client.TrainAsync(new TrainRequest
        {
            Name = name, Input = Tensors.Data([2, 2], [1, 2, 3, 4]), BatchWeights = { 1f },
        }).ResponseAsync);
        var tooLarge = new float[(ServiceHost.MaxBatchBytes / sizeof(float)) + 2];
        await AssertStatus(StatusCode.ResourceExhausted, () => Train(name, Tensors.Raw([tooLarge.Length / 2, 2], tooLarge)));
        await AssertStatus(StatusCode.NotFound, () => Train(LayerNames.Unique("missing"), Tensors.Data([2, 2], [1, 2, 3, 4])));

        Assert.Equal(before, await Get(name));
    }

    [Fact]
    public async Task TrainWithARepeatedRequestIdAnswersAsTheFirstTime()
    {
        var name = LayerNames.Unique("request-id");
        await Create(name, channels: 2);
        var request = new TrainRequest { Name = name, Input = Tensors.Raw([2, 2], [1, 2, 3, 5]), RequestId = "batch-1" };

        var first = await _client.TrainAsync(request);
        var retry = await _client.TrainAsync(request);

        Assert.Equal(first, retry);
        Assert.Equal(1, (await Get(name)).Step);
    }

    // ---- Infer ----

    [Fact]
    public async Task InferUsesTheMovingStatisticsAndChangesNothing()
    {
        var name = LayerNames.Unique("infer");
        var before = (await Create(name, channels: 2, convention: "pytorch")).Layer;

        var response = await _client.InferAsync(new InferRequest { Name = name, Input = Tensors.Data([1, 2], [1, -2]) });

        // Moving mean 0, variance 1, epsilon 1e-5, gamma 1, beta 0: x / sqrt(1 + 1e-5).
        Assert.Equal(1 / Math.Sqrt(1 + 1e-5), Tensors.Values(response.Output)[0], 6);
        Assert.Equal(before, await Get(name));
        await AssertStatus(StatusCode.InvalidArgument, () => _client.InferAsync(new InferRequest { Name = name, Input = Tensors.Data([1, 3], [1, 2, 3]) }).ResponseAsync);
        await AssertStatus(StatusCode.NotFound, () => _client.InferAsync(new InferRequest { Name = LayerNames.Unique("missing"), Input = Tensors.Data([1, 2], [1, 2]) }).ResponseAsync);
        var tooLarge = new float[(ServiceHost.MaxBatchBytes / sizeof(float)) + 2];
        await AssertStatus(StatusCode.ResourceExhausted, () => _client.InferAsync(new InferRequest { Name = name, Input = Tensors.Data([tooLarge.Length / 2, 2], tooLarge) }).ResponseAsync);
    }

    // ---- Backward ----

    [Fact]
    public async Task BackwardGivesGradientsAndAppliesThemOnlyWhenAsked()
    {
        var name = LayerNames.Unique("backward");
        var before = (await Create(name, channels: 2, convention: "pytorch")).Layer;
        var request = new BackwardRequest
        {
            Name = name, Input = Tensors.Data([3, 2], [1, 2, 3, 5, 4, 0]), GradOutput = Tensors.Data([3, 2], [1, 0, 0, 1, 2, 1]),
        };

        var gradients = await _client.BackwardAsync(request);
        Assert.Equal([3L, 2], gradients.GradInput.Shape);
        Assert.Equal([3.0, 2.0], gradients.GradBeta); // sum of grad_output per channel
        Assert.Equal(before, await Get(name));

        request.Apply = new BackwardApply { LearningRate = 0.5 };
        var applied = await _client.BackwardAsync(request);
        var after = await Get(name);
        Assert.Equal(gradients.GradBeta, applied.GradBeta);
        Assert.Equal([-1.5, -1.0], after.Beta);
        Assert.Equal(before.Step, after.Step);
        Assert.Equal(before.MovingMean, after.MovingMean);

        request.GradOutput = Tensors.Data([2, 2], [1, 2, 3, 4]);
        await AssertStatus(StatusCode.InvalidArgument, () => _client.BackwardAsync(request).ResponseAsync);
        request.GradOutput = null;
        await AssertStatus(StatusCode.InvalidArgument, () => _client.BackwardAsync(request).ResponseAsync);
        request.Name = LayerNames.Unique("missing");
        request.GradOutput = Tensors.Data([3, 2], [1, 0, 0, 1, 2, 1]);
        await AssertStatus(StatusCode.NotFound, () => _client.BackwardAsync(request).ResponseAsync);
        Assert.Equal(after, await Get(name));
    }

    // ---- Commit, Reset ----

    [Fact]
    public async Task CommitAppliesDeferredUpdates()
    {
        var name = LayerNames.Unique("commit");
        await Create(name, channels: 1, updates: "deferred");
        var trained = await _client.TrainAsync(new TrainRequest { Name = name, Input = Tensors.Data([2, 1], [2, 4]) });
        Assert.Equal(1, trained.PendingUpdates);
        Assert.Equal([0.0], (await Get(name)).MovingMean);

        var committed = (await _client.CommitAsync(new CommitRequest { Name = name })).Layer;

        Assert.Equal(0, committed.PendingUpdates);
        Assert.Equal(1, committed.Step);
        Assert.NotEqual(0.0, committed.MovingMean[0]);
        await AssertStatus(StatusCode.NotFound, () => _client.CommitAsync(new CommitRequest { Name = LayerNames.Unique("missing") }).ResponseAsync);
        await AssertStatus(StatusCode.InvalidArgument, () => _client.CommitAsync(new CommitRequest { Name = "-bad" }).ResponseAsync);
    }

    [Fact]
    public async Task ResetGoesBackToTheInitializers()
    {
        var name = LayerNames.Unique("reset");
        var created = (await Create(name, channels: 2)).Layer;
        await _client.TrainAsync(new TrainRequest { Name = name, Input = Tensors.Data([2, 2], [1, 2, 3, 5]) });

        var reset = (await _client.ResetAsync(new ResetRequest { Name = name })).Layer;

        Assert.Equal(0, reset.Step);
        Assert.Equal(created.MovingMean, reset.MovingMean);
        Assert.Equal(created.MovingVariance, reset.MovingVariance);
        await AssertStatus(StatusCode.NotFound, () => _client.ResetAsync(new ResetRequest { Name = LayerNames.Unique("missing") }).ResponseAsync);
        await AssertStatus(StatusCode.InvalidArgument, () => _client.ResetAsync(new ResetRequest { Name = "a b" }).ResponseAsync);
    }

    // ---- Moments, BatchNormalization ----

    [Fact]
    public async Task MomentsComputesMeanAndVariance()
    {
        var response = await _client.MomentsAsync(new MomentsRequest { Input = Tensors.Raw([2, 2], [1, 10, 3, 30]), Axes = { 0 } });

        Assert.Equal([2L], response.Mean.Shape);
        Assert.Equal([2f, 20f], Tensors.Values(response.Mean));
        Assert.Equal([1f, 100f], Tensors.Values(response.Variance));
        Assert.False(response.Mean.RawData.IsEmpty);

        var keep = await _client.MomentsAsync(new MomentsRequest { Input = Tensors.Data([2, 2], [1, 10, 3, 30]), Axes = { 0 }, KeepDims = true });
        Assert.Equal([1L, 2], keep.Mean.Shape);

        await AssertStatus(StatusCode.InvalidArgument, () => _client.MomentsAsync(new MomentsRequest { Input = Tensors.Data([2, 2], [1, 2, 3, 4]), Axes = { 2 } }).ResponseAsync);
        await AssertStatus(StatusCode.InvalidArgument, () => _client.MomentsAsync(new MomentsRequest { Axes = { 0 } }).ResponseAsync);
        var tooLarge = new float[(ServiceHost.MaxBatchBytes / sizeof(float)) + 1];
        await AssertStatus(StatusCode.ResourceExhausted, () => _client.MomentsAsync(new MomentsRequest { Input = Tensors.Raw([tooLarge.Length], tooLarge), Axes = { 0 } }).ResponseAsync);
    }

    [Fact]
    public async Task BatchNormalizationNormalizes()
    {
        var response = await _client.BatchNormalizationAsync(new BatchNormalizationRequest
        {
            X = Tensors.Data([2, 2], [1, 10, 3, 30]), Mean = Tensors.Data([2], [2, 20]), Variance = Tensors.Data([2], [1, 100]),
            Offset = Tensors.Data([2], [0.5f, 0]), VarianceEpsilon = 0,
        });

        Assert.Equal([-0.5f, -1f, 1.5f, 1f], Tensors.Values(response.Output));

        await AssertStatus(StatusCode.InvalidArgument, () => _client.BatchNormalizationAsync(new BatchNormalizationRequest
        {
            X = Tensors.Data([2, 2], [1, 10, 3, 30]), Mean = Tensors.Data([3], [2, 20, 0]), Variance = Tensors.Data([2], [1, 100]), VarianceEpsilon = 1e-3,
        }).ResponseAsync);
        await AssertStatus(StatusCode.InvalidArgument, () => _client.BatchNormalizationAsync(new BatchNormalizationRequest
        {
            X = Tensors.Data([2, 2], [1, 10, 3, 30]), Variance = Tensors.Data([2], [1, 100]), VarianceEpsilon = 1e-3,
        }).ResponseAsync);
    }

    // ---- Streams on the real service ----

    [Fact]
    public async Task TrainStreamCountsStepsInOrderAndStopsAtTheFirstError()
    {
        var name = LayerNames.Unique("stream");
        await Create(name, channels: 2);
        using var call = _client.TrainStream();
        for (var i = 0; i < 5; i++)
        {
            await call.RequestStream.WriteAsync(new TrainRequest { Name = name, Input = Tensors.Raw([2, 2], [i, 1, i + 2, 3]) });
        }

        await call.RequestStream.WriteAsync(new TrainRequest { Name = name, Input = Tensors.Raw([2, 2], [float.NaN, 1, 2, 3]) });
        var steps = new List<long>();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var response in call.ResponseStream.ReadAllAsync())
            {
                steps.Add(response.Step);
                Assert.Equal([(double)steps.Count, 2.0], response.BatchMean); // request i holds (i, i + 2) and (1, 3)
            }
        });

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal([1L, 2, 3, 4, 5], steps);
        Assert.Equal(5, (await Get(name)).Step);
    }

    private async Task<CreateLayerResponse> Create(string name, int channels = 2, string? reuse = null, Value? decay = null,
        string? convention = null, string? updates = null, string[]? collections = null)
    {
        var config = new Bn.V1.LayerConfig { Name = name, Channels = channels };
        if (decay is not null)
        {
            config.Decay = decay;
        }

        if (convention is not null)
        {
            config.Convention = convention;
        }

        if (updates is not null)
        {
            config.Updates = updates;
        }

        config.Collections.AddRange(collections ?? []);
        return await _client.CreateLayerAsync(new CreateLayerRequest { Config = config, Reuse = reuse ?? "" });
    }

    private async Task<Layer> Get(string name) => (await _client.GetLayerAsync(new GetLayerRequest { Name = name })).Layer;

    private Task<TrainResponse> Train(string name, Bn.V1.Tensor input) => _client.TrainAsync(new TrainRequest { Name = name, Input = input }).ResponseAsync;

    private static async Task<RpcException> AssertStatus<T>(StatusCode expected, Func<Task<T>> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(expected, error.StatusCode);
        return error;
    }
}
