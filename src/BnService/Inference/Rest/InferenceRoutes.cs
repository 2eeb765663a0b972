using BnService.Layers;
using BnService.Rest;
using BnService.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BnService.Inference.Rest;

/// <summary>The handlers' dependencies.</summary>
public sealed record InferenceServices(LayerModels Models, InferRequestReader Reader);

/// <summary>
/// The Open Inference Protocol's REST routes (KServe V2 / Triton) under <c>/v2</c>, each layer a model; the
/// <c>/versions/{version}</c> forms take version <c>1</c>. Handlers only map the wire format; <see cref="LayerModels"/>
/// does the rest.
/// </summary>
public static class InferenceRoutes
{
    public static RouteGroupBuilder MapInferenceRoutes(this IEndpointRouteBuilder routes)
    {
        // Read by default: metadata, readiness, inference. Health is open; a training call checks for write itself.
        var v2 = routes.MapGroup(InferenceErrors.PathPrefix).WithTags("Open Inference Protocol").AddEndpointFilter(InferenceErrors.Filter)
            .RequireAccess(AccessRole.Read);

        v2.MapGet("", ServerMetadata).WithName("InferenceServerMetadata")
            .WithSummary("Server name, version and protocol extensions (binary_tensor_data).");
        v2.MapGet("health/live", ServerLive).WithName("InferenceServerLive")
            .WithSummary("The server answers.")
            .AllowOpenAccess();
        v2.MapGet("health/ready", ServerReady).WithName("InferenceServerReady")
            .WithSummary("The server can serve layers; 503 until then.")
            .Produces<ServerReadyBody>(StatusCodes.Status503ServiceUnavailable)
            .AllowOpenAccess();

        v2.MapGet("models/{name}", ModelMetadata).WithName("InferenceModelMetadata")
            .WithSummary("A layer as a model: one FP32 input 'input', one FP32 output 'output', C at the channel axis.")
            .Errors(400, 404);
        v2.MapGet("models/{name}/versions/{version}", ModelVersionMetadata).WithName("InferenceModelVersionMetadata")
            .WithSummary("The same for version 1, the only one.")
            .Errors(400, 404);
        v2.MapGet("models/{name}/ready", ModelReady).WithName("InferenceModelReady")
            .WithSummary("Whether the layer exists and can be served.")
            .Produces<ModelReadyBody>(StatusCodes.Status503ServiceUnavailable)
            .Errors(400, 404);
        v2.MapGet("models/{name}/versions/{version}/ready", ModelVersionReady).WithName("InferenceModelVersionReady")
            .WithSummary("The same for version 1, the only one.")
            .Produces<ModelReadyBody>(StatusCodes.Status503ServiceUnavailable)
            .Errors(400, 404);

        const string inferDescription =
            "Inference with the moving statistics by default; with \"parameters\": {\"training\": true} (and optionally \"request_id\") a " +
            "training step, answering \"step\" and \"pending_updates\" as response parameters. Data flat or nested row-major. Triton's binary " +
            "tensor data: Inference-Header-Content-Length gives the JSON header's length, the input's \"binary_data_size\" parameter its bytes " +
            "(little-endian float32) after the header; \"binary_data\" on the output or \"binary_data_output\" on the request answer the output " +
            "the same way (application/octet-stream, Inference-Header-Content-Length).";
        v2.MapPost("models/{name}/infer", Infer).WithName("InferenceModelInfer")
            .WithSummary("Run a layer on the input: inference, or a training step.")
            .WithDescription(inferDescription)
            .Body<InferRequestDoc>(RequestBodies.Json)
            .Produces<InferResponseDoc>(StatusCodes.Status200OK, InferResult.Json, InferResult.Binary)
            .Errors(400, 401, 403, 404, 409, 413, 415);
        v2.MapPost("models/{name}/versions/{version}/infer", InferVersion).WithName("InferenceModelVersionInfer")
            .WithSummary("The same for version 1, the only one.")
            .WithDescription(inferDescription)
            .Body<InferRequestDoc>(RequestBodies.Json)
            .Produces<InferResponseDoc>(StatusCodes.Status200OK, InferResult.Json, InferResult.Binary)
            .Errors(400, 401, 403, 404, 409, 413, 415);
        return v2;
    }

    public static Ok<ServerMetadataBody> ServerMetadata() =>
        TypedResults.Ok(new ServerMetadataBody(InferenceProtocol.ServerName, InferenceProtocol.ServerVersion, InferenceProtocol.Extensions));

    public static Ok<ServerLiveBody> ServerLive() => TypedResults.Ok(new ServerLiveBody(true));

    public static Results<Ok<ServerReadyBody>, JsonHttpResult<ServerReadyBody>> ServerReady(LayerModels models) =>
        models.ServerReady
            ? TypedResults.Ok(new ServerReadyBody(true))
            : TypedResults.Json(new ServerReadyBody(false), statusCode: StatusCodes.Status503ServiceUnavailable);

    public static Task<Ok<ModelMetadataBody>> ModelMetadata(string name, LayerModels models, CancellationToken cancellationToken) =>
        Metadata(name, null, models, cancellationToken);

    public static Task<Ok<ModelMetadataBody>> ModelVersionMetadata(string name, string version, LayerModels models, CancellationToken cancellationToken) =>
        Metadata(name, version, models, cancellationToken);

    public static Task<Results<Ok<ModelReadyBody>, JsonHttpResult<ModelReadyBody>>> ModelReady(string name, LayerModels models,
        CancellationToken cancellationToken) => Ready(name, null, models, cancellationToken);

    public static Task<Results<Ok<ModelReadyBody>, JsonHttpResult<ModelReadyBody>>> ModelVersionReady(string name, string version, LayerModels models,
        CancellationToken cancellationToken) => Ready(name, version, models, cancellationToken);

    public static Task<InferResult> Infer(string name, HttpRequest request, [AsParameters] InferenceServices services,
        CancellationToken cancellationToken) => Run(name, null, request, services, cancellationToken);

    public static Task<InferResult> InferVersion(string name, string version, HttpRequest request, [AsParameters] InferenceServices services,
        CancellationToken cancellationToken) => Run(name, version, request, services, cancellationToken);

    private static async Task<Ok<ModelMetadataBody>> Metadata(string name, string? version, LayerModels models, CancellationToken cancellationToken) =>
        TypedResults.Ok(ModelMetadataBody.From(await models.MetadataAsync(name, version, cancellationToken)));

    private static async Task<Results<Ok<ModelReadyBody>, JsonHttpResult<ModelReadyBody>>> Ready(string name, string? version, LayerModels models,
        CancellationToken cancellationToken) =>
        await models.ReadyAsync(name, version, cancellationToken)
            ? TypedResults.Ok(new ModelReadyBody(name, true))
            : TypedResults.Json(new ModelReadyBody(name, false), statusCode: StatusCodes.Status503ServiceUnavailable);

    private static async Task<InferResult> Run(string name, string? version, HttpRequest request, InferenceServices services,
        CancellationToken cancellationToken)
    {
        var read = await services.Reader.ReadAsync(request, name, version, cancellationToken);
        if (read.Call.Training)
        {
            AccessControl.Require(request.HttpContext, AccessRole.Write);
        }

        var answer = await services.Models.RunAsync(read.Call, cancellationToken);
        // The layer is done with the batch; the output is free once written, unless a request_id's replay holds it.
        new CallBuffers(read.Call.Input.Bytes, read.Call.RequestId is null ? answer.Output.Bytes : null).ReturnAfterResponse(request.HttpContext);
        return new InferResult(name, read.Id, answer, read.BinaryOutput);
    }
}
