using Bn.V1;
using BnService.Grpc;
using Google.Protobuf;
using Grpc.Core;

namespace BnService.Tests.Grpc;

/// <summary>Tensor encodings and limits, on predictable layer operations.</summary>
public sealed class GrpcTensorTests(SmallLimitFakeLayersHost fixture) : IClassFixture<SmallLimitFakeLayersHost>
{
    private const int MaxBatchBytes = SmallLimitFakeLayersHost.MaxBatchBytes;

    private readonly FakeLayerOperations _layers = fixture.Layers;
    private readonly GrpcHost _host = fixture.Host;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ResponsesUseTheRequestsEncodingWithTheSameValues(bool raw)
    {
        var values = Tensors.Sequence(24, -3f, 0.37f);
        var response = await _host.Client.TrainAsync(new TrainRequest { Name = "echo", Input = Tensors.Of([4, 3, 2], values, raw) });

        Assert.Equal(raw, !response.Output.RawData.IsEmpty);
        Assert.Equal(!raw, response.Output.Data.Count > 0);
        Assert.Equal([4L, 3, 2], response.Output.Shape);
        Assert.Equal(values, Tensors.Values(response.Output));
        Assert.Equal(values, _layers.LastTrain!.Input.Values.ToArray());
    }

    [Fact]
    public async Task TrainPassesBatchWeightsAndRequestId()
    {
        await _host.Client.TrainAsync(new TrainRequest
        {
            Name = "weights", Input = Tensors.Data([2, 2], [1, 2, 3, 4]), BatchWeights = { 0.5f, 2f }, RequestId = "r-1",
        });
        Assert.Equal([0.5f, 2f], _layers.LastTrain!.BatchWeights!);
        Assert.Equal("r-1", _layers.LastTrain.RequestId);

        await _host.Client.TrainAsync(new TrainRequest { Name = "weights", Input = Tensors.Data([2, 2], [1, 2, 3, 4]) });
        Assert.Null(_layers.LastTrain!.BatchWeights);
        Assert.Null(_layers.LastTrain.RequestId);
    }

    [Fact]
    public async Task BackwardDefaultsToTrainingModeAndPassesTheLearningRate()
    {
        var response = await _host.Client.BackwardAsync(new BackwardRequest
        {
            Name = "grads", Input = Tensors.Raw([2, 1], [1, 2]), GradOutput = Tensors.Data([2, 1], [3, 4]),
        });
        Assert.True(_layers.LastBackward!.IsTraining);
        Assert.Null(_layers.LastBackward.LearningRate);
        Assert.False(response.GradInput.RawData.IsEmpty); // the encoding of input
        Assert.Equal([3f, 4f], Tensors.Values(response.GradInput));
        Assert.Equal([1.5], response.GradGamma);
        Assert.Equal([2.5], response.GradBeta);
        Assert.Equal(0.25, response.RegularizationLoss);

        await _host.Client.BackwardAsync(new BackwardRequest
        {
            Name = "grads", Input = Tensors.Data([2, 1], [1, 2]), GradOutput = Tensors.Data([2, 1], [3, 4]),
            IsTraining = false, Apply = new BackwardApply { LearningRate = 0.125 },
        });
        Assert.False(_layers.LastBackward!.IsTraining);
        Assert.Equal(0.125, _layers.LastBackward.LearningRate);
    }

    public static TheoryData<string, Tensor?, string> BadTensors => new()
    {
        { "missing", null, "input" },
        { "neither", new Tensor { Shape = { 2, 2 } }, "input" },
        { "both", new Tensor { Shape = { 1, 1 }, Data = { 1f }, RawData = ByteString.CopyFrom(new byte[4]) }, "input" },
        { "short data", Tensors.Data([2, 2], [1, 2, 3]), "input.data" },
        { "long raw", new Tensor { Shape = { 1, 1 }, RawData = ByteString.CopyFrom(new byte[8]) }, "input.raw_data" },
        { "partial float", new Tensor { Shape = { 1, 1 }, RawData = ByteString.CopyFrom(new byte[3]) }, "input.raw_data" },
        { "zero dimension", Tensors.Data([0, 2], [1]), "input.shape" },
        { "rank 6", Tensors.Data([1, 1, 1, 1, 1, 1], [1]), "input.shape" },
    };

    [Theory]
    [MemberData(nameof(BadTensors))]
    public async Task MalformedTensorsAreInvalidArgumentWithTheirField(string why, Tensor? input, string field)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _host.Client.InferAsync(new InferRequest { Name = "bad-" + why.Replace(' ', '-'), Input = input }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(field, error.Trailers.GetValue(GrpcErrorInterceptor.FieldTrailer));
        Assert.DoesNotContain("bad-" + why.Replace(' ', '-'), _layers.Calls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ATensorOverTheBatchLimitIsResourceExhausted(bool raw)
    {
        var values = new float[(MaxBatchBytes / sizeof(float)) + 1];
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _host.Client.TrainAsync(new TrainRequest { Name = "big", Input = Tensors.Of([values.Length, 1], values, raw) }).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal("input", error.Trailers.GetValue(GrpcErrorInterceptor.FieldTrailer));
        Assert.DoesNotContain("big", _layers.Calls);
    }

    [Fact]
    public async Task ATensorAtTheBatchLimitIsAccepted()
    {
        var values = new float[MaxBatchBytes / sizeof(float)];
        var response = await _host.Client.TrainAsync(new TrainRequest { Name = "at-limit", Input = Tensors.Raw([values.Length, 1], values) });
        Assert.Equal(values.Length, Tensors.Values(response.Output).Length);
    }

    [Fact]
    public async Task AMessageOverTheReceiveLimitIsResourceExhausted()
    {
        var bytes = new byte[GrpcEndpoints.MaxMessageBytes(MaxBatchBytes) + 1];
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client.TrainAsync(new TrainRequest
        {
            Name = "huge", Input = new Tensor { Shape = { bytes.Length / 4, 1 }, RawData = ByteString.CopyFrom(bytes) },
        }).ResponseAsync);

        // Refused by the receive limit before the message is parsed (no field: the tensor check never ran).
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Null(error.Trailers.GetValue(GrpcErrorInterceptor.FieldTrailer));
        Assert.DoesNotContain("huge", _layers.Calls);
    }
}
