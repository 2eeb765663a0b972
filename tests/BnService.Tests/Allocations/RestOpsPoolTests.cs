using System.Text.Json;
using BnEngine;
using BnService.Layers;
using BnService.Rest;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;
using Contracts = BnService.Rest.Contracts;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace BnService.Tests.Allocations;

/// <summary>
/// REST <c>/v1/ops/moments</c> and <c>/v1/ops/batch_normalization</c> at 1 MB, their handlers called on the test's
/// thread: answers byte for byte the JSON of the engine's results, batch after batch in reused arrays, and a call
/// allocates a small fraction of its batch.
/// </summary>
[Collection(AllocationCollection.Name)]
public sealed class RestOpsPoolTests(ServiceFixture fixture, ITestOutputHelper output) : IClassFixture<ServiceFixture>
{
    private const double Epsilon = 1e-3;

    public static TheoryData<bool> Shapes => [false, true];

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task MomentsAreTheEnginesBitForBitInReusedArrays(bool weighted)
    {
        var call = new DirectCall(fixture.Host.Services);
        for (var seed = 0; seed < 3; seed++)
        {
            var (input, weights) = OpCases.Moments(700 + (10 * seed), weighted);
            var result = OpCases.ExpectedMoments(input, weights);
            var expected = Json(new Contracts.MomentsResponse(Data(result.Mean), Data(result.Variance)));

            call.Post(MomentsBody(input, weights), RequestBodies.Json);
            await MomentsAsync(call);

            Assert.True(expected.AsSpan().SequenceEqual(call.ResponseBody), $"batch {seed}: not the engine's moments");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task BatchNormalizationIsTheEnginesBitForBitInReusedArrays(bool fullShape)
    {
        var call = new DirectCall(fixture.Host.Services);
        for (var seed = 0; seed < 3; seed++)
        {
            var (x, paramShape, mean, variance, offset, scale) = OpCases.Normalization(800 + (10 * seed), fullShape);
            var y = OpCases.ExpectedNormalization(x, paramShape, mean, variance, offset, scale, Epsilon);
            var expected = Json(new Contracts.BatchNormalizationResponse(new TensorData(Batches.EngineShape, Batches.AsBytes(y))));

            call.Post(NormalizationBody(x, paramShape, mean, variance, offset, scale), RequestBodies.Json);
            await NormalizationAsync(call);

            Assert.True(expected.AsSpan().SequenceEqual(call.ResponseBody), $"batch {seed}: not the engine's output");
        }
    }

    [Fact]
    public void AMomentsCallAllocatesLittleOfItsBatch()
    {
        var (input, weights) = OpCases.Moments(9, weighted: false);
        var perCall = PerCall(MomentsBody(input, weights), MomentsAsync);
        output.WriteLine($"REST moments (JSON), 1 MB: {perCall} bytes allocated per call");
        Assert.True(perCall < Batches.MaxBytesPerCall, $"{perCall} bytes allocated per call");
    }

    [Fact]
    public void ABatchNormalizationCallAllocatesLittleOfItsBatch()
    {
        var (x, paramShape, mean, variance, offset, scale) = OpCases.Normalization(10, fullShape: false);
        var perCall = PerCall(NormalizationBody(x, paramShape, mean, variance, offset, scale), NormalizationAsync);
        output.WriteLine($"REST batch_normalization (JSON), 1 MB: {perCall} bytes allocated per call");
        Assert.True(perCall < Batches.MaxBytesPerCall, $"{perCall} bytes allocated per call");
    }

    private long PerCall(byte[] body, Func<DirectCall, Task> handler)
    {
        var call = new DirectCall(fixture.Host.Services);
        return CallAllocations.PerCall(() =>
        {
            call.Post(body, RequestBodies.Json);
            Assert.True(handler(call).IsCompletedSuccessfully, "the handler waited");
        });
    }

    private async Task MomentsAsync(DirectCall call)
    {
        var result = await OpsRoutes.Moments(call.Http.Request, Bodies, CancellationToken.None);
        await result.ExecuteAsync(call.Http);
        await call.CompleteAsync();
    }

    private async Task NormalizationAsync(DirectCall call)
    {
        var result = await OpsRoutes.BatchNormalization(call.Http.Request, Bodies, CancellationToken.None);
        await result.ExecuteAsync(call.Http);
        await call.CompleteAsync();
    }

    private RequestBodies Bodies => fixture.Host.Services.GetRequiredService<RequestBodies>();

    private byte[] Json<T>(T value) =>
        JsonSerializer.SerializeToUtf8Bytes(value, fixture.Host.Services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions);

    private static TensorData Data(Tensor tensor) => new(tensor.Shape, Batches.AsBytes(tensor.Data.ToArray()));

    private static byte[] MomentsBody(float[] input, float[]? weights)
    {
        var members = new List<(string, string)> { ("input", JsonBodies.Tensor(Batches.Shape, input)), ("axes", "[0]") };
        if (weights is not null)
        {
            members.Add(("frequency_weights", JsonBodies.Tensor(Batches.Shape, weights)));
        }

        return JsonBodies.Object([.. members]);
    }

    private static byte[] NormalizationBody(float[] x, long[] paramShape, float[] mean, float[] variance, float[] offset, float[] scale) =>
        JsonBodies.Object(
            ("x", JsonBodies.Tensor(Batches.Shape, x)), ("mean", JsonBodies.Tensor(paramShape, mean)), ("variance", JsonBodies.Tensor(paramShape, variance)),
            ("offset", JsonBodies.Tensor(paramShape, offset)), ("scale", JsonBodies.Tensor(paramShape, scale)),
            ("variance_epsilon", Epsilon.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
}
