using System.Runtime.InteropServices;
using BnEngine;
using BnService.Layers;
using BnService.Rest.Contracts;
using BnService.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BnService.Rest;

/// <summary>The stateless <c>/v1/ops</c> routes: the engine's ops, no layer involved.</summary>
public static class OpsRoutes
{
    public static RouteGroupBuilder MapOpsRoutes(this IEndpointRouteBuilder routes)
    {
        // Stateless: nothing to change, so a read key is enough.
        var ops = routes.MapGroup("/v1/ops").WithTags("Ops").RequireAccess(AccessRole.Read);
        ops.MapPost("moments", Moments).WithName("Moments")
            .WithSummary("tf.nn.moments, or tf.nn.weighted_moments with frequency_weights.")
            .Body<MomentsRequest>(RequestBodies.Json)
            .Errors(400, 413, 415);
        ops.MapPost("batch_normalization", BatchNormalization).WithName("BatchNormalization")
            .WithSummary("tf.nn.batch_normalization, broadcasting as TF does.")
            .Body<BatchNormalizationRequest>(RequestBodies.Json)
            .Errors(400, 413, 415);
        return ops;
    }

    public static async Task<JsonAnswer<MomentsResponse>> Moments(HttpRequest request, RequestBodies bodies, CancellationToken cancellationToken)
    {
        var body = await bodies.ReadJsonAsync<MomentsRequest>(request, cancellationToken);
        var limit = bodies.Limits.MaxBatchBytes;
        var input = body.Input.ToTensorData("input", limit);
        var weights = body.FrequencyWeights?.ToTensorData("frequency_weights", limit);
        var result = BnEngine.Moments.Compute(EngineTensors.View(input), body.Axes, body.KeepDims, weights is null ? null : EngineTensors.View(weights));
        // The engine is done with the operands (the results are arrays of their own).
        new CallBuffers(input.Bytes, weights?.Bytes).ReturnAfterResponse(request.HttpContext);
        return new JsonAnswer<MomentsResponse>(new MomentsResponse(Data(result.Mean), Data(result.Variance)));
    }

    public static async Task<JsonAnswer<BatchNormalizationResponse>> BatchNormalization(HttpRequest request, RequestBodies bodies,
        CancellationToken cancellationToken)
    {
        var body = await bodies.ReadJsonAsync<BatchNormalizationRequest>(request, cancellationToken);
        var limit = bodies.Limits.MaxBatchBytes;
        var x = body.X.ToTensorData("x", limit);
        var mean = body.Mean.ToTensorData("mean", limit);
        var variance = body.Variance.ToTensorData("variance", limit);
        var offset = body.Offset?.ToTensorData("offset", limit);
        var scale = body.Scale?.ToTensorData("scale", limit);
        var output = new TensorData(x.Shape, TensorBuffers.Rent(x.Bytes.Length));
        BnEngine.BatchNormalization.Compute(EngineTensors.View(x), EngineTensors.View(mean), EngineTensors.View(variance),
            offset is null ? null : EngineTensors.View(offset), scale is null ? null : EngineTensors.View(scale), body.VarianceEpsilon,
            MemoryMarshal.Cast<byte, float>(output.Bytes.AsSpan()));
        new CallBuffers(x.Bytes, mean.Bytes, variance.Bytes, offset?.Bytes, scale?.Bytes, output.Bytes).ReturnAfterResponse(request.HttpContext);
        return new JsonAnswer<BatchNormalizationResponse>(new BatchNormalizationResponse(output));
    }

    private static TensorData Data(Tensor tensor) => TensorData.FromFloats(tensor.Shape, tensor.Data.Span);
}
