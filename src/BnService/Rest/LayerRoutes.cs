using System.Globalization;
using BnService.Layers;
using BnService.Rest.Contracts;
using BnService.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BnService.Rest;

/// <summary>The handlers' dependencies.</summary>
public sealed record LayerServices(ILayerOperations Layers, RequestBodies Bodies);

/// <summary>The <c>/v1/layers</c> routes of api.md. Handlers only map the wire format; <see cref="ILayerOperations"/> does the rest.</summary>
public static class LayerRoutes
{
    public const string BatchWeightsHeader = "X-Batch-Weights";
    public const string IdempotencyHeader = "Idempotency-Key";

    public static RouteGroupBuilder MapLayerRoutes(this IEndpointRouteBuilder routes)
    {
        var layers = routes.MapGroup("/v1/layers").WithTags("Layers");

        layers.MapPost("", CreateLayer).WithName("CreateLayer").RequireAccess(AccessRole.Write)
            .WithSummary("Create a layer, or reuse an existing one (reuse: never | reuse | auto).")
            .Body<CreateLayerRequest>(RequestBodies.Json)
            .Errors(400, 404, 409, 413, 415);
        layers.MapGet("", ListLayers).WithName("ListLayers").RequireAccess(AccessRole.Read)
            .WithSummary("List layers, optionally by name prefix and collection.")
            .Errors(400);
        layers.MapGet("{name}", GetLayer).WithName("GetLayer").RequireAccess(AccessRole.Read)
            .WithSummary("A layer's configuration and state.")
            .Errors(400, 404);
        layers.MapDelete("{name}", DeleteLayer).WithName("DeleteLayer").RequireAccess(AccessRole.Write)
            .WithSummary("Delete a layer everywhere.")
            .Errors(400, 404);
        layers.MapPost("{name}/train", Train).WithName("Train").RequireAccess(AccessRole.Write)
            .WithSummary("Training-mode forward; updates (or queues) the moving statistics. JSON or binary (X-Tensor-Shape).")
            .WithDescription("Binary: Content-Type application/octet-stream, X-Tensor-Shape: 32,8,8,64, little-endian float32 body; " +
                             "optional X-Batch-Weights (comma-separated) and Idempotency-Key (the request_id). With Accept: " +
                             "application/octet-stream the output comes back the same way with X-Layer-Step and X-Pending-Updates.")
            .Body<TrainRequest>(RequestBodies.Json, RequestBodies.Binary)
            .Errors(400, 404, 409, 413, 415);
        layers.MapPost("{name}/infer", Infer).WithName("Infer").RequireAccess(AccessRole.Read)
            .WithSummary("Inference-mode forward with the moving statistics; never changes state. JSON or binary (X-Tensor-Shape).")
            .Body<InferRequest>(RequestBodies.Json, RequestBodies.Binary)
            .Errors(400, 404, 413, 415);
        layers.MapPost("{name}/backward", Backward).WithName("Backward").RequireAccess(AccessRole.Write)
            .WithSummary("Gradients of input, gamma and beta; with apply, one SGD step on gamma and beta.")
            .Body<BackwardRequest>(RequestBodies.Json)
            .Errors(400, 404, 413, 415);
        layers.MapPost("{name}/commit", Commit).WithName("Commit").RequireAccess(AccessRole.Write)
            .WithSummary("Apply the deferred moving-statistics updates in arrival order.")
            .Errors(400, 404);
        layers.MapPost("{name}/reset", Reset).WithName("Reset").RequireAccess(AccessRole.Write)
            .WithSummary("Back to the initializers, step 0.")
            .Errors(400, 404);
        return layers;
    }

    public static async Task<Results<Created<LayerBody>, Ok<LayerBody>>> CreateLayer(HttpRequest request, [AsParameters] LayerServices services,
        CancellationToken cancellationToken)
    {
        var body = await services.Bodies.ReadJsonAsync<CreateLayerRequest>(request, cancellationToken);
        var outcome = await services.Layers.CreateAsync(body.ToSpec(), body.ToReuseMode(), cancellationToken);
        var layer = LayerBody.From(outcome.Layer);
        return outcome.Created
            ? TypedResults.Created($"/v1/layers/{Uri.EscapeDataString(layer.Name)}", layer)
            : TypedResults.Ok(layer);
    }

    public static async Task<Ok<LayerListBody>> ListLayers(string? prefix, string? collection, ILayerOperations layers, CancellationToken cancellationToken)
    {
        var list = await layers.ListAsync(prefix, collection, cancellationToken);
        return TypedResults.Ok(new LayerListBody([.. list.Select(LayerBody.From)]));
    }

    public static async Task<Ok<LayerBody>> GetLayer(string name, ILayerOperations layers, CancellationToken cancellationToken) =>
        TypedResults.Ok(LayerBody.From(await layers.GetAsync(name, cancellationToken)));

    public static async Task<NoContent> DeleteLayer(string name, ILayerOperations layers, CancellationToken cancellationToken)
    {
        await layers.DeleteAsync(name, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<JsonAnswer<TrainResponse>, BinaryTensorResult>> Train(string name, HttpRequest request,
        [AsParameters] LayerServices services, CancellationToken cancellationToken)
    {
        TrainInput input;
        if (RequestBodies.IsBinary(request))
        {
            var tensor = await services.Bodies.ReadBinaryTensorAsync(request, cancellationToken);
            input = new TrainInput(tensor, BatchWeights(request), Header(request, IdempotencyHeader));
        }
        else if (RequestBodies.IsJson(request))
        {
            var body = await services.Bodies.ReadJsonAsync<TrainRequest>(request, cancellationToken);
            input = new TrainInput(body.Input.ToTensorData("input", services.Bodies.Limits.MaxBatchBytes, minRank: 2), body.BatchWeights, body.RequestId);
        }
        else
        {
            throw RequestBodies.UnsupportedType(request, RequestBodies.Json, RequestBodies.Binary);
        }

        var outcome = await services.Layers.TrainAsync(name, input, cancellationToken);
        // The layer is done with the batch; the output is free once written, unless a request_id's replay holds it.
        new CallBuffers(input.Input.Bytes, input.RequestId is null ? outcome.Output.Bytes : null).ReturnAfterResponse(request.HttpContext);
        return RequestBodies.WantsBinary(request)
            ? new BinaryTensorResult(outcome.Output, outcome.Step, outcome.PendingUpdates)
            : new JsonAnswer<TrainResponse>(new TrainResponse(outcome.Output, outcome.BatchMean, outcome.BatchVariance, outcome.Step, outcome.PendingUpdates));
    }

    public static async Task<Results<JsonAnswer<InferResponse>, BinaryTensorResult>> Infer(string name, HttpRequest request,
        [AsParameters] LayerServices services, CancellationToken cancellationToken)
    {
        TensorData input;
        if (RequestBodies.IsBinary(request))
        {
            input = await services.Bodies.ReadBinaryTensorAsync(request, cancellationToken);
        }
        else if (RequestBodies.IsJson(request))
        {
            var body = await services.Bodies.ReadJsonAsync<InferRequest>(request, cancellationToken);
            input = body.Input.ToTensorData("input", services.Bodies.Limits.MaxBatchBytes, minRank: 2);
        }
        else
        {
            throw RequestBodies.UnsupportedType(request, RequestBodies.Json, RequestBodies.Binary);
        }

        var output = await services.Layers.InferAsync(name, input, cancellationToken);
        new CallBuffers(input.Bytes, output.Bytes).ReturnAfterResponse(request.HttpContext);
        return RequestBodies.WantsBinary(request) ? new BinaryTensorResult(output) : new JsonAnswer<InferResponse>(new InferResponse(output));
    }

    public static async Task<JsonAnswer<BackwardResponse>> Backward(string name, HttpRequest request, [AsParameters] LayerServices services,
        CancellationToken cancellationToken)
    {
        var body = await services.Bodies.ReadJsonAsync<BackwardRequest>(request, cancellationToken);
        var limit = services.Bodies.Limits.MaxBatchBytes;
        var input = new BackwardInput(body.Input.ToTensorData("input", limit, minRank: 2), body.GradOutput.ToTensorData("grad_output", limit, minRank: 2),
            body.IsTraining ?? true, body.Apply?.LearningRate);
        var outcome = await services.Layers.BackwardAsync(name, input, cancellationToken);
        // The layer is done with both batches; grad_input is free once written.
        new CallBuffers(input.Input.Bytes, input.GradOutput.Bytes, outcome.GradInput.Bytes).ReturnAfterResponse(request.HttpContext);
        return new JsonAnswer<BackwardResponse>(new BackwardResponse(outcome.GradInput, outcome.GradGamma, outcome.GradBeta, outcome.RegularizationLoss));
    }

    public static async Task<Ok<LayerBody>> Commit(string name, ILayerOperations layers, CancellationToken cancellationToken) =>
        TypedResults.Ok(LayerBody.From(await layers.CommitAsync(name, cancellationToken)));

    public static async Task<Ok<LayerBody>> Reset(string name, ILayerOperations layers, CancellationToken cancellationToken) =>
        TypedResults.Ok(LayerBody.From(await layers.ResetAsync(name, cancellationToken)));

    /// <summary>Declares the problem responses a route can give, for the OpenAPI document.</summary>
    public static RouteHandlerBuilder Errors(this RouteHandlerBuilder route, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            route.ProducesProblem(status);
        }

        return route;
    }

    private static string? Header(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value.ToString()) ? value.ToString() : null;

    private static float[]? BatchWeights(HttpRequest request)
    {
        if (Header(request, BatchWeightsHeader) is not { } text)
        {
            return null;
        }

        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var weights = new float[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out weights[i]))
            {
                throw new ServiceException(ServiceErrorKind.InvalidArgument, $"{BatchWeightsHeader} '{text}' is not a comma-separated list of numbers",
                    BatchWeightsHeader);
            }
        }

        return weights;
    }
}
