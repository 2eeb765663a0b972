using System.Buffers;
using Bn.V1;
using BnService.Grpc;
using BnService.Tests.Grpc;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace BnService.Tests.Allocations;

/// <summary>
/// gRPC Moments and BatchNormalization at 1 MB, called as the server calls them (the bound marshallers and the handler)
/// on the test's thread: answers byte for byte what protobuf writes for the engine's results, batch after batch in
/// reused arrays, with data and raw_data; a call allocates a small fraction of its batch (weights and parameters of the
/// input's full shape included).
/// </summary>
[Collection(AllocationCollection.Name)]
public sealed class GrpcOpsPoolTests(ServiceFixture fixture, ITestOutputHelper output) : IClassFixture<ServiceFixture>
{
    private const double Epsilon = 1e-3;

    private static readonly Method<MomentsRequest, MomentsResponse> MomentsMethod = BoundMethods.Get<MomentsRequest, MomentsResponse>("Moments");

    private static readonly Method<BatchNormalizationRequest, BatchNormalizationResponse> NormalizationMethod =
        BoundMethods.Get<BatchNormalizationRequest, BatchNormalizationResponse>("BatchNormalization");

    public static TheoryData<bool, bool> Cases => new() { { false, false }, { false, true }, { true, false }, { true, true } };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MomentsAreTheEnginesBitForBitInReusedArrays(bool raw, bool weighted)
    {
        var call = new DirectCall(fixture.Host.Services);
        for (var seed = 0; seed < 3; seed++)
        {
            var (input, weights) = OpCases.Moments(500 + (10 * seed), weighted);
            var result = OpCases.ExpectedMoments(input, weights);
            var expected = new MomentsResponse
            {
                Mean = Tensors.Of(OpCases.Dims(result.Mean), result.Mean.Data.ToArray(), raw),
                Variance = Tensors.Of(OpCases.Dims(result.Variance), result.Variance.Data.ToArray(), raw),
            }.ToByteArray();

            var written = Call(MomentsMethod, MomentsRequest(input, weights, raw), call, static (s, r, c) => s.Moments(r, c));

            Assert.True(expected.AsSpan().SequenceEqual(written.Written.WrittenSpan), $"batch {seed}: not the engine's moments");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BatchNormalizationIsTheEnginesBitForBitInReusedArrays(bool raw, bool fullShape)
    {
        var call = new DirectCall(fixture.Host.Services);
        for (var seed = 0; seed < 3; seed++)
        {
            var (x, paramShape, mean, variance, offset, scale) = OpCases.Normalization(600 + (10 * seed), fullShape);
            var y = OpCases.ExpectedNormalization(x, paramShape, mean, variance, offset, scale, Epsilon);
            var expected = new BatchNormalizationResponse { Output = Tensors.Of(Batches.Shape, y, raw) }.ToByteArray();

            var request = NormalizationRequest(x, paramShape, mean, variance, offset, scale, raw);
            var written = Call(NormalizationMethod, request, call, static (s, r, c) => s.BatchNormalization(r, c));

            Assert.True(expected.AsSpan().SequenceEqual(written.Written.WrittenSpan), $"batch {seed}: not the engine's output");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AMomentsCallAllocatesLittleOfItsBatch(bool raw, bool weighted)
    {
        var (input, weights) = OpCases.Moments(7, weighted);
        var perCall = PerCall(MomentsMethod, MomentsRequest(input, weights, raw), static (s, r, c) => s.Moments(r, c));
        output.WriteLine($"gRPC Moments ({(raw ? "raw_data" : "data")}{(weighted ? ", weighted" : "")}), 1 MB: {perCall} bytes allocated per call");
        Assert.True(perCall < Batches.MaxBytesPerCall, $"{perCall} bytes allocated per call");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ABatchNormalizationCallAllocatesLittleOfItsBatch(bool raw, bool fullShape)
    {
        var (x, paramShape, mean, variance, offset, scale) = OpCases.Normalization(8, fullShape);
        var request = NormalizationRequest(x, paramShape, mean, variance, offset, scale, raw);
        var perCall = PerCall(NormalizationMethod, request, static (s, r, c) => s.BatchNormalization(r, c));
        output.WriteLine($"gRPC BatchNormalization ({(raw ? "raw_data" : "data")}{(fullShape ? ", full-shaped parameters" : "")}), 1 MB: {perCall} bytes allocated per call");
        Assert.True(perCall < Batches.MaxBytesPerCall, $"{perCall} bytes allocated per call");
    }

    private static byte[] MomentsRequest(float[] input, float[]? weights, bool raw)
    {
        var request = new MomentsRequest { Input = Tensors.Of(Batches.Shape, input, raw), Axes = { OpCases.Axes } };
        if (weights is not null)
        {
            request.FrequencyWeights = Tensors.Of(Batches.Shape, weights, raw);
        }

        return request.ToByteArray();
    }

    private static byte[] NormalizationRequest(float[] x, long[] paramShape, float[] mean, float[] variance, float[] offset, float[] scale, bool raw) =>
        new BatchNormalizationRequest
        {
            X = Tensors.Of(Batches.Shape, x, raw),
            Mean = Tensors.Of(paramShape, mean, raw),
            Variance = Tensors.Of(paramShape, variance, raw),
            Offset = Tensors.Of(paramShape, offset, raw),
            Scale = Tensors.Of(paramShape, scale, raw),
            VarianceEpsilon = Epsilon,
        }.ToByteArray();

    private WrittenContext Call<TRequest, TResponse>(Method<TRequest, TResponse> method, byte[] request, DirectCall call,
        Func<BatchNormGrpcService, TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : class
        where TResponse : class
    {
        var written = new WrittenContext(request.Length);
        CallOnThisThread(method, WireBytes.Segments(request, 4096), call, Service(), written, handler);
        return written;
    }

    private long PerCall<TRequest, TResponse>(Method<TRequest, TResponse> method, byte[] request,
        Func<BatchNormGrpcService, TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : class
        where TResponse : class
    {
        var call = new DirectCall(fixture.Host.Services);
        var payload = WireBytes.Segments(request, 4096);
        var written = new WrittenContext(request.Length + 4096);
        var service = Service();
        return CallAllocations.PerCall(() => CallOnThisThread(method, payload, call, service, written, handler));
    }

    private BatchNormGrpcService Service() => ActivatorUtilities.CreateInstance<BatchNormGrpcService>(fixture.Host.Services);

    private static void CallOnThisThread<TRequest, TResponse>(Method<TRequest, TResponse> method, ReadOnlySequence<byte> payload, DirectCall call,
        BatchNormGrpcService service, WrittenContext written, Func<BatchNormGrpcService, TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : class
        where TResponse : class
    {
        written.Reset();
        var request = method.RequestMarshaller.ContextualDeserializer(new PayloadContext(payload));
        var handled = handler(service, request, call.Grpc);
        Assert.True(handled.IsCompletedSuccessfully, "the handler waited");
        method.ResponseMarshaller.ContextualSerializer(handled.Result, written);
        Assert.True(call.CompleteAsync().IsCompletedSuccessfully);
    }
}
