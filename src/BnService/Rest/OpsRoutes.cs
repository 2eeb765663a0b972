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

    public static async Task<Ok<MomentsResponse>> Moments(HttpRequest request, RequestBodies bodies, CancellationToken cancellationToken)
    {
        var body = await bodies.ReadJsonAsync<MomentsRequest>(request, cancellationToken);
        var limit = bodies.Limits.MaxBatchBytes;
        var result = BnEngine.Moments.Compute(body.Input.ToTensor("input", limit), body.Axes, body.KeepDims,
            body.FrequencyWeights?.ToTensor("frequency_weights", limit));
        return TypedResults.Ok(new MomentsResponse(Data(result.Mean), Data(result.Variance)));
    }

    public static async Task<Ok<BatchNormalizationResponse>> BatchNormalization(HttpRequest request, RequestBodies bodies,
        CancellationToken cancellationToken)
    {
        var body = await bodies.ReadJsonAsync<BatchNormalizationRequest>(request, cancellationToken);
        var limit = bodies.Limits.MaxBatchBytes;
        var output = BnEngine.BatchNormalization.Compute(body.X.ToTensor("x", limit), body.Mean.ToTensor("mean", limit),
            body.Variance.ToTensor("variance", limit), body.Offset?.ToTensor("offset", limit), body.Scale?.ToTensor("scale", limit),
            body.VarianceEpsilon);
        return TypedResults.Ok(new BatchNormalizationResponse(Data(output)));
    }

    private static TensorData Data(Tensor tensor) => TensorData.FromFloats(tensor.Shape, tensor.Data.Span);
}
