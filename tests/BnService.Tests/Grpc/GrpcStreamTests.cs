using Bn.V1;
using Grpc.Core;

namespace BnService.Tests.Grpc;

/// <summary>TrainStream / InferStream: order, one response per request, errors and cancellation.</summary>
public sealed class GrpcStreamTests(FakeLayersHost fixture) : IClassFixture<FakeLayersHost>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly FakeLayerOperations _layers = fixture.Layers;
    private readonly BatchNorm.BatchNormClient _client = fixture.Host.Client;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TrainStreamAnswersEveryRequestInOrder(bool raw)
    {
        const int count = 25;
        var name = raw ? "stream-order-raw" : "stream-order-data";
        using var call = _client.TrainStream(cancellationToken: new CancellationTokenSource(Timeout).Token);

        var sent = new List<float[]>();
        for (var i = 0; i < count; i++)
        {
            var values = Tensors.Sequence(6, start: i, step: 0.5f);
            sent.Add(values);
            await call.RequestStream.WriteAsync(new TrainRequest { Name = name, Input = Tensors.Of([3, 2], values, raw) });
        }

        await call.RequestStream.CompleteAsync();

        var received = new List<TrainResponse>();
        await foreach (var response in call.ResponseStream.ReadAllAsync())
        {
            received.Add(response);
        }

        Assert.Equal(count, received.Count);
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(i + 1, received[i].Step);
            Assert.Equal(sent[i], Tensors.Values(received[i].Output));
            Assert.Equal(raw, !received[i].Output.RawData.IsEmpty);
        }

        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task InferStreamAnswersEveryRequestInOrderAcrossLayers()
    {
        using var call = _client.InferStream(cancellationToken: new CancellationTokenSource(Timeout).Token);
        for (var i = 0; i < 10; i++)
        {
            await call.RequestStream.WriteAsync(new InferRequest { Name = $"infer-stream-{i % 3}", Input = Tensors.Data([1, 1], [i]) });
            Assert.True(await call.ResponseStream.MoveNext());
            Assert.Equal([(float)i], Tensors.Values(call.ResponseStream.Current.Output));
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());
    }

    [Fact]
    public async Task AnErrorEndsTheStreamWithItsStatusAfterTheResponsesAlreadySent()
    {
        using var call = _client.TrainStream(cancellationToken: new CancellationTokenSource(Timeout).Token);
        await call.RequestStream.WriteAsync(new TrainRequest { Name = "stream-error", Input = Tensors.Data([1, 1], [1]) });
        await call.RequestStream.WriteAsync(new TrainRequest { Name = "stream-error", Input = Tensors.Data([1, 1], [2]) });
        await call.RequestStream.WriteAsync(new TrainRequest { Name = "fail-NotFound", Input = Tensors.Data([1, 1], [3]) });
        try
        {
            await call.RequestStream.WriteAsync(new TrainRequest { Name = "stream-error-after", Input = Tensors.Data([1, 1], [4]) });
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The server may already have ended the call.
        }

        var outputs = new List<float>();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var response in call.ResponseStream.ReadAllAsync())
            {
                outputs.Add(Tensors.Values(response.Output)[0]);
            }
        });

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal([1f, 2f], outputs);
        Assert.DoesNotContain("stream-error-after", _layers.Calls);
    }

    [Fact]
    public async Task AMalformedMessageEndsTheStreamWithInvalidArgument()
    {
        using var call = _client.InferStream(cancellationToken: new CancellationTokenSource(Timeout).Token);
        await call.RequestStream.WriteAsync(new InferRequest { Name = "stream-bad", Input = Tensors.Data([1, 1], [1]) });
        Assert.True(await call.ResponseStream.MoveNext());
        await call.RequestStream.WriteAsync(new InferRequest { Name = "stream-bad", Input = Tensors.Data([2, 1], [1]) });

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task TheNextRequestIsReadOnlyAfterThePreviousResponse()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _layers.Gate = async (name, ct) =>
        {
            if (name == "stream-held-0")
            {
                firstStarted.TrySetResult();
                await release.Task.WaitAsync(ct);
            }
        };
        try
        {
            using var call = _client.TrainStream(cancellationToken: new CancellationTokenSource(Timeout).Token);
            for (var i = 0; i < 3; i++)
            {
                await call.RequestStream.WriteAsync(new TrainRequest { Name = $"stream-held-{i}", Input = Tensors.Data([1, 1], [i]) });
            }

            await firstStarted.Task.WaitAsync(Timeout);
            await Task.Delay(200);
            Assert.DoesNotContain("stream-held-1", _layers.Calls);

            release.SetResult();
            await call.RequestStream.CompleteAsync();
            var steps = new List<float>();
            await foreach (var response in call.ResponseStream.ReadAllAsync())
            {
                steps.Add(Tensors.Values(response.Output)[0]);
            }

            Assert.Equal([0f, 1f, 2f], steps);
        }
        finally
        {
            _layers.Gate = (_, _) => Task.CompletedTask;
        }
    }

    [Fact]
    public async Task ClientCancellationEndsTheStreamOnBothSides()
    {
        var serverCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var heldStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _layers.Gate = async (name, ct) =>
        {
            if (name == "stream-cancel-held")
            {
                heldStarted.TrySetResult();
                try
                {
                    await Task.Delay(Timeout, ct);
                }
                catch (OperationCanceledException)
                {
                    serverCancelled.TrySetResult();
                    throw;
                }
            }
        };
        try
        {
            using var cancellation = new CancellationTokenSource(Timeout);
            using var call = _client.TrainStream(cancellationToken: cancellation.Token);
            await call.RequestStream.WriteAsync(new TrainRequest { Name = "stream-cancel", Input = Tensors.Data([1, 1], [1]) });
            Assert.True(await call.ResponseStream.MoveNext());
            await call.RequestStream.WriteAsync(new TrainRequest { Name = "stream-cancel-held", Input = Tensors.Data([1, 1], [2]) });
            await heldStarted.Task.WaitAsync(Timeout);

            await cancellation.CancelAsync();

            var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
            Assert.Equal(StatusCode.Cancelled, error.StatusCode);
            await serverCancelled.Task.WaitAsync(Timeout);
        }
        finally
        {
            _layers.Gate = (_, _) => Task.CompletedTask;
        }
    }
}
