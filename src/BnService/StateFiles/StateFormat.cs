using BnService.Layers;

namespace BnService.StateFiles;

/// <summary>The <c>format</c> of <c>/v1/layers/{name}/state</c>.</summary>
public enum StateFormat
{
    /// <summary>The service's own JSON: every variable of the layer and its config; restores a layer exactly.</summary>
    Json,
    /// <summary>A safetensors file with PyTorch's BatchNorm state_dict names.</summary>
    Safetensors,
    /// <summary>A JSON document with the arrays of Keras' <c>get_weights()</c>, in its order.</summary>
    Keras,
}

public static class StateFormats
{
    public const string Field = "format";

    /// <summary>Absent: <see cref="StateFormat.Json"/>; anything but the three names: 400 on <c>format</c>.</summary>
    public static StateFormat Parse(string? format) => format switch
    {
        null or "" or "json" => StateFormat.Json,
        "safetensors" => StateFormat.Safetensors,
        "keras" => StateFormat.Keras,
        _ => throw new ServiceException(ServiceErrorKind.InvalidArgument,
            $"format '{format}' is not one of safetensors, keras, json", Field),
    };
}
