using BnService.Layers;
using BnService.Rest;
using BnService.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace BnService.StateFiles;

/// <summary>The handlers' dependencies.</summary>
public sealed record StateFileServices(ILayerOperations Layers, ILayerStateImport Import, RequestBodies Bodies, IOptions<JsonOptions> Json);

/// <summary><c>GET</c> and <c>PUT /v1/layers/{name}/state?format=safetensors|keras|json</c>: a layer's state as framework files.</summary>
public static class StateFileRoutes
{
    public const string Route = "/v1/layers/{name}/state";

    public static IEndpointRouteBuilder MapStateFileRoutes(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(Route, GetState).WithName("GetLayerState").WithTags("State files").RequireAccess(AccessRole.Read)
            .WithSummary("The layer's state as a file: format=safetensors (PyTorch state_dict names), keras (get_weights order) or json (everything, default).")
            .WithMetadata(new StateFileDoc())
            .Errors(400, 404, 409);
        routes.MapPut(Route, PutState).WithName("PutLayerState").WithTags("State files").RequireAccess(AccessRole.Write)
            .WithSummary("Replace the layer's state from a file of the same formats; a file that does not fit the layer is refused and changes nothing.")
            .WithDescription("safetensors: Content-Type application/octet-stream; keras and json: application/json. " +
                             "The answer is the layer representation after the import (its version raised by one).")
            .WithMetadata(new StateFileDoc())
            .Errors(400, 404, 409, 413, 415);
        return routes;
    }

    public static async Task<Results<FileContentHttpResult, Ok<KerasWeightsDocument>, Ok<LayerStateDocument>>> GetState(string name, string? format,
        [AsParameters] StateFileServices services, CancellationToken cancellationToken)
    {
        var kind = StateFormats.Parse(format);
        var layer = await services.Layers.GetAsync(name, cancellationToken);
        return kind switch
        {
            StateFormat.Safetensors => TypedResults.File(TorchStateDict.Export(layer), RequestBodies.Binary, $"{name}.safetensors"),
            StateFormat.Keras => TypedResults.Ok(KerasWeights.Export(layer)),
            _ => TypedResults.Ok(LayerStateDocuments.Export(layer, services.Json.Value.SerializerOptions)),
        };
    }

    public static async Task<Ok<Rest.Contracts.LayerBody>> PutState(string name, string? format, HttpRequest request,
        [AsParameters] StateFileServices services, CancellationToken cancellationToken)
    {
        var json = services.Json.Value.SerializerOptions;
        Func<LayerView, BnEngine.LayerState> newState;
        switch (StateFormats.Parse(format))
        {
            case StateFormat.Safetensors:
                if (!RequestBodies.IsBinary(request))
                {
                    throw RequestBodies.UnsupportedType(request, RequestBodies.Binary);
                }

                var file = await RequestBodies.ReadBytesAsync(request, services.Bodies.Limits.MaxBatchBytes, cancellationToken);
                newState = layer => TorchStateDict.Import(layer.Config, file).ApplyTo(layer.Config, layer.State);
                break;
            case StateFormat.Keras:
                var weights = await services.Bodies.ReadJsonAsync<KerasWeightsDocument>(request, cancellationToken);
                newState = layer => KerasWeights.Import(layer.Config, weights).ApplyTo(layer.Config, layer.State);
                break;
            default:
                var document = await services.Bodies.ReadJsonAsync<LayerStateDocument>(request, cancellationToken);
                newState = layer => LayerStateDocuments.Import(layer, document, json);
                break;
        }

        var imported = await services.Import.ImportAsync(name, newState, cancellationToken);
        return TypedResults.Ok(Rest.Contracts.LayerBody.From(imported));
    }
}
