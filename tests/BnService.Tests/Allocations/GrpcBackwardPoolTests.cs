using Bn.V1;
using BnService.Grpc;
using BnService.Tests.Grpc;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace BnService.Tests.Allocations;

/// <summary>
/// gRPC Backward at 1 MB, called the way the server calls it (the bound marshallers, the handler, the layer's host on
/// this node) but on the test's thread: the answer is byte for byte what protobuf writes for the engine's gradients
/// (as before the arrays were pooled), batch after batch in reused arrays, and a call allocates a small fraction of
/// one batch (before: the input, grad_output and grad_input arrays, about 3 MB for data, more with protobuf's lists).
/// </summary>
[Collection(AllocationCollection.Name)]
public sealed class GrpcBackwardPoolTests(ServiceFixture fixture, ITestOutputHelper output) : IClassFixture<ServiceFixture>
{
    private static readonly Method<BackwardRequest, BackwardResponse> Backward = BoundMethods.Get<BackwardRequest, BackwardResponse>("Backward");

    public static TheoryData<bool> Encodings => [false, true];

    [Theory]
    [MemberData(nameof(Encodings))]
    public async Task AnswersAreTheEnginesGradientsBitForBitInReusedArrays(bool raw)
    {
        var name = await LayerAsync($"pool-backward-bits-{raw}");
        var call = new DirectCall(fixture.Host.Services);
        for (var seed = 0; seed < 4; seed++)
        {
            var input = Batches.Random(100 + seed, offset: seed);
            var gradOutput = Batches.Random(200 + seed, scale: 0.5f);
            var (gradInput, result) = Batches.Backward(name, input, gradOutput);
            var expected = new BackwardResponse
            {
                GradInput = Tensors.Of(Batches.Shape, gradInput, raw),
                GradGamma = { result.GradGamma },
                GradBeta = { result.GradBeta },
                RegularizationLoss = result.RegularizationLoss,
            }.ToByteArray();

            var written = await CallAsync(call, Request(name, input, gradOutput, raw));

            Assert.True(expected.AsSpan().SequenceEqual(written.Written.WrittenSpan), $"batch {seed}: not the engine's gradients as protobuf writes them");
        }
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public async Task ACallAllocatesLittleOfItsBatch(bool raw)
    {
        var name = await LayerAsync($"pool-backward-alloc-{raw}");
        var call = new DirectCall(fixture.Host.Services);
        var payload = WireBytes.Segments(Request(name, Batches.Random(1), Batches.Random(2), raw), 4096);
        var written = new WrittenContext(Batches.Bytes + 4096);
        var service = ActivatorUtilities.CreateInstance<BatchNormGrpcService>(fixture.Host.Services);

        var perCall = CallAllocations.PerCall(() => CallOnThisThread(service, call, payload, written));

        output.WriteLine($"gRPC Backward ({(raw ? "raw_data" : "data")}), 1 MB: {perCall} bytes allocated per call");
        Assert.True(perCall < Batches.MaxBytesPerCall, $"{perCall} bytes allocated per call");
    }

    private async Task<string> LayerAsync(string name)
    {
        await fixture.Host.Client.CreateLayerAsync(new CreateLayerRequest { Config = new LayerConfig { Name = name, Channels = Batches.Channels } });
        // A first call through the client activates the layer on this node: later calls reach its host directly.
        await fixture.Host.Client.GetLayerAsync(new GetLayerRequest { Name = name });
        return name;
    }

    private static byte[] Request(string name, float[] input, float[] gradOutput, bool raw) =>
        new BackwardRequest { Name = name, Input = Tensors.Of(Batches.Shape, input, raw), GradOutput = Tensors.Of(Batches.Shape, gradOutput, raw) }
            .ToByteArray();

    private async Task<WrittenContext> CallAsync(DirectCall call, byte[] request)
    {
        var written = new WrittenContext(request.Length);
        var service = ActivatorUtilities.CreateInstance<BatchNormGrpcService>(fixture.Host.Services);
        var parsed = Backward.RequestMarshaller.ContextualDeserializer(new PayloadContext(WireBytes.Segments(request, 4096)));
        var response = await service.Backward(parsed, call.Grpc);
        Backward.ResponseMarshaller.ContextualSerializer(response, written);
        await call.CompleteAsync();
        return written;
    }

    /// <summary>One call, all of it on this thread: the layer is free and held on this node, so nothing waits.</summary>
    private static void CallOnThisThread(BatchNormGrpcService service, DirectCall call, System.Buffers.ReadOnlySequence<byte> payload, WrittenContext written)
    {
        written.Reset();
        var request = Backward.RequestMarshaller.ContextualDeserializer(new PayloadContext(payload));
        var handled = service.Backward(request, call.Grpc);
        Assert.True(handled.IsCompletedSuccessfully, "the handler waited");
        Backward.ResponseMarshaller.ContextualSerializer(handled.Result, written);
        Assert.True(call.CompleteAsync().IsCompletedSuccessfully);
    }
}
