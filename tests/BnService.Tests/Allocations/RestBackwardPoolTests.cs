using System.Text.Json;
using BnEngine;
using BnService.Layers;
using BnService.Rest;
using BnService.Tests.Grpc;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;
using Contracts = BnService.Rest.Contracts;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace BnService.Tests.Allocations;

/// <summary>
/// REST <c>POST /v1/layers/{name}/backward</c> at 1 MB, its handler called on the test's thread with the service's
/// layers: the answer is byte for byte the JSON of the engine's gradients (as before the arrays were pooled), batch after
/// batch in reused arrays, and a call allocates a small fraction of one batch.
/// </summary>
[Collection(AllocationCollection.Name)]
public sealed class RestBackwardPoolTests(ServiceFixture fixture, ITestOutputHelper output) : IClassFixture<ServiceFixture>
{
    [Fact]
    public async Task AnswersAreTheEnginesGradientsBitForBitInReusedArrays()
    {
        var name = await LayerAsync("pool-rest-backward-bits");
        var call = new DirectCall(fixture.Host.Services);
        var json = fixture.Host.Services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        for (var seed = 0; seed < 4; seed++)
        {
            var input = Batches.Random(300 + seed, offset: seed);
            var gradOutput = Batches.Random(400 + seed, scale: 0.5f);
            var (gradInput, result) = Batches.Backward(name, input, gradOutput);
            var expected = JsonSerializer.SerializeToUtf8Bytes(new Contracts.BackwardResponse(
                new TensorData(Batches.EngineShape, Batches.AsBytes(gradInput)), result.GradGamma, result.GradBeta, result.RegularizationLoss), json);

            call.Post(Body(input, gradOutput), RequestBodies.Json);
            await CallAsync(name, call);

            Assert.Equal(200, call.Http.Response.StatusCode);
            Assert.True(expected.AsSpan().SequenceEqual(call.ResponseBody), $"batch {seed}: not the engine's gradients as JSON");
        }
    }

    [Fact]
    public async Task ACallAllocatesLittleOfItsBatch()
    {
        var name = await LayerAsync("pool-rest-backward-alloc");
        var call = new DirectCall(fixture.Host.Services);
        var body = Body(Batches.Random(5), Batches.Random(6));

        var perCall = CallAllocations.PerCall(() =>
        {
            call.Post(body, RequestBodies.Json);
            var handled = CallAsync(name, call);
            Assert.True(handled.IsCompletedSuccessfully, "the handler waited");
        });

        output.WriteLine($"REST backward (JSON), 1 MB: {perCall} bytes allocated per call");
        Assert.True(perCall < Batches.MaxBytesPerCall, $"{perCall} bytes allocated per call");
    }

    private async Task<string> LayerAsync(string name)
    {
        await fixture.Host.Client.CreateLayerAsync(new Bn.V1.CreateLayerRequest { Config = new Bn.V1.LayerConfig { Name = name, Channels = Batches.Channels } });
        await fixture.Host.Client.GetLayerAsync(new Bn.V1.GetLayerRequest { Name = name });
        return name;
    }

    private static byte[] Body(float[] input, float[] gradOutput) =>
        JsonBodies.Object(("input", JsonBodies.Tensor(Batches.Shape, input)), ("grad_output", JsonBodies.Tensor(Batches.Shape, gradOutput)));

    /// <summary>The handler, its answer written, then what the sent response gives back.</summary>
    private async Task CallAsync(string name, DirectCall call)
    {
        var services = new LayerServices(fixture.Host.Services.GetRequiredService<ILayerOperations>(), fixture.Host.Services.GetRequiredService<RequestBodies>());
        var result = await LayerRoutes.Backward(name, call.Http.Request, services, CancellationToken.None);
        await result.ExecuteAsync(call.Http);
        await call.CompleteAsync();
    }
}
