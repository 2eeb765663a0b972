using System.Text.Json;
using System.Text.Json.Nodes;
using BnEngine;
using BnService.Layers;
using BnService.Rest.Contracts;

namespace BnService.StateFiles;

/// <summary>
/// <c>format=json</c>: everything the layer remembers, so that a PUT of it restores the layer exactly (a GET
/// after it gives the same document). <c>config</c> is the layer's configuration as the layer representation
/// shows it; the rest are the state's variables, with the ones the layer representation does not show:
/// renorm's moving stddev, the zero-debias accumulator and its step, the updates applied (<c>num_updates</c>)
/// and the queued deferred updates. The layer's <c>version</c> is not part of it: it counts changes, so a PUT
/// raises it by one like any change.
/// </summary>
public sealed class LayerStateDocument
{
    public required JsonObject Config { get; init; }
    public required long Step { get; init; }
    public required long NumUpdates { get; init; }
    public required long LocalStep { get; init; }
    public required double[] Gamma { get; init; }
    public required double[] Beta { get; init; }
    public required double[] MovingMean { get; init; }
    public required double[] MovingVariance { get; init; }
    public required double[] MovingStddev { get; init; }
    public required double[] RenormMean { get; init; }
    public required double[] RenormStddev { get; init; }
    public required double[] BiasedMovingMean { get; init; }
    public required IReadOnlyList<PendingUpdateBody> Pending { get; init; }
}

/// <summary>One queued deferred update: the batch mean, the variance for the moving variance, renorm's batch stddev.</summary>
public sealed class PendingUpdateBody
{
    public required double[] Mean { get; init; }
    public required double[] Variance { get; init; }
    public required double[] Stddev { get; init; }
}

public static class LayerStateDocuments
{
    /// <summary>Members of the layer representation that are state, not config.</summary>
    private static readonly string[] StateMembers =
        ["step", "gamma", "beta", "moving_mean", "moving_variance", "renorm_mean", "renorm_stddev", "pending_updates", "version"];

    public static LayerStateDocument Export(LayerView layer, JsonSerializerOptions json)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var config = JsonSerializer.SerializeToNode(LayerBody.From(layer), json)!.AsObject();
        foreach (var member in StateMembers)
        {
            config.Remove(member);
        }

        var state = layer.State;
        return new LayerStateDocument
        {
            Config = config,
            Step = state.Step,
            NumUpdates = state.UpdatesApplied,
            LocalStep = state.LocalStep,
            Gamma = state.Gamma,
            Beta = state.Beta,
            MovingMean = state.MovingMean,
            MovingVariance = state.MovingVariance,
            MovingStddev = state.MovingStddev,
            RenormMean = state.RenormMean,
            RenormStddev = state.RenormStddev,
            BiasedMovingMean = state.BiasedMovingMean,
            Pending = [.. state.Pending.Select(p => new PendingUpdateBody { Mean = p.Mean, Variance = p.Variance, Stddev = p.Stddev })],
        };
    }

    /// <summary>
    /// The state a document gives this layer. Its config must be the layer's (the name and collections may
    /// differ, so a state moves between layers of the same configuration); every variable is checked.
    /// </summary>
    public static LayerState Import(LayerView layer, LayerStateDocument document, JsonSerializerOptions json)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(document);
        var config = layer.Config;
        CheckConfig(config, document.Config, json);
        var c = config.Channels;
        if (document.Pending.Any(p => p is null))
        {
            throw ImportErrors.Invalid("pending", "pending holds null; each pending update is an object with mean, variance and stddev");
        }

        if (document.Pending.Count > 0 && config.Updates != UpdateMode.Deferred)
        {
            throw ImportErrors.Invalid("pending", "only a layer with deferred updates has pending updates");
        }

        return new LayerState
        {
            Step = ImportErrors.Count("step", document.Step),
            Version = layer.State.Version,
            Gamma = ImportErrors.PerChannel("gamma", document.Gamma, c),
            Beta = ImportErrors.PerChannel("beta", document.Beta, c),
            MovingMean = ImportErrors.PerChannel("moving_mean", document.MovingMean, c),
            MovingVariance = ImportErrors.PerChannel("moving_variance", document.MovingVariance, c, nonNegative: true),
            MovingStddev = ImportErrors.PerChannel("moving_stddev", document.MovingStddev, c, nonNegative: true),
            RenormMean = ImportErrors.PerChannel("renorm_mean", document.RenormMean, c),
            RenormStddev = ImportErrors.PerChannel("renorm_stddev", document.RenormStddev, c, nonNegative: true),
            BiasedMovingMean = ImportErrors.PerChannel("biased_moving_mean", document.BiasedMovingMean, c),
            LocalStep = ImportErrors.Count("local_step", document.LocalStep),
            UpdatesApplied = ImportErrors.Count("num_updates", document.NumUpdates),
            Pending = [.. document.Pending.Select((p, i) => new PendingUpdate(
                ImportErrors.PerChannel($"pending[{i}].mean", p.Mean, c),
                ImportErrors.PerChannel($"pending[{i}].variance", p.Variance, c, nonNegative: true),
                ImportErrors.PerChannel($"pending[{i}].stddev", p.Stddev, c, nonNegative: true)))],
        };
    }

    private static void CheckConfig(LayerConfig config, JsonObject given, JsonSerializerOptions json)
    {
        CreateLayerRequest request;
        try
        {
            request = given.Deserialize<CreateLayerRequest>(json) ?? throw ImportErrors.Invalid("config", "config must be an object");
        }
        catch (JsonException e)
        {
            throw ImportErrors.Invalid("config", $"config is not a layer configuration: {e.Message}");
        }

        if (request.Reuse is not null)
        {
            throw ImportErrors.Invalid("config.reuse", "reuse is not part of a layer's configuration");
        }

        LayerConfig resolved;
        try
        {
            resolved = LayerConfig.Resolve(request.ToSpec() with { Name = config.Name, Collections = config.Collections });
        }
        catch (BatchNormException e)
        {
            throw ImportErrors.Invalid($"config.{e.Field}", e.Message);
        }

        if (!resolved.SameAs(config))
        {
            throw ImportErrors.Invalid("config",
                $"the state was saved from a layer configured differently from '{config.Name}' (only the name and collections may differ)");
        }
    }
}
