using System.Text.Json.Nodes;
using BnEngine;

namespace BnService.Tests.Soak;

/// <summary>
/// A layer of the soak: its config as sent (JSON) and as the engine takes it (for the replay), the batch shape its
/// clients send, and whether backward calls on it apply their SGD step.
/// </summary>
/// <remarks>
/// Backward applies only on a layer without renorm, regularizers or activation: there, gamma and beta's gradients in
/// training mode depend on the batch alone, and train's moving statistics do not depend on gamma and beta, so the final
/// state is the replay of the trains in step order plus the sum of the applied steps in any order.
/// </remarks>
public sealed record SoakLayer(string Name, JsonObject Config, LayerSpec Spec, int[] Shape, bool AppliesBackward)
{
    public int Elements => Shape.Aggregate(1, (a, b) => a * b);

    public static IReadOnlyList<SoakLayer> All { get; } =
    [
        new("soak.keras", new JsonObject { ["name"] = "soak.keras", ["channels"] = 8, ["convention"] = "keras", ["decay"] = 0.9 },
            new LayerSpec { Name = "soak.keras", Channels = 8, Convention = Convention.Keras, Decay = new Decay(0.9) }, [4, 2, 2, 8], false),
        new("soak.torch", new JsonObject { ["name"] = "soak.torch", ["channels"] = 4, ["convention"] = "pytorch", ["data_format"] = "NCHW" },
            new LayerSpec { Name = "soak.torch", Channels = 4, Convention = Convention.PyTorch, DataFormat = DataFormat.Nchw }, [4, 4, 2, 2], false),
        new("soak.apply", new JsonObject { ["name"] = "soak.apply", ["channels"] = 8, ["scale"] = true, ["decay"] = 0.95 },
            new LayerSpec { Name = "soak.apply", Channels = 8, Scale = true, Decay = new Decay(0.95) }, [3, 2, 8], true),
        new("soak.renorm", new JsonObject
            {
                ["name"] = "soak.renorm", ["channels"] = 4, ["convention"] = "keras", ["renorm"] = true,
                ["renorm_clipping"] = new JsonObject { ["rmax"] = 3, ["rmin"] = 0.33, ["dmax"] = 5 },
            },
            new LayerSpec
            {
                Name = "soak.renorm", Channels = 4, Convention = Convention.Keras, Renorm = true, RenormClipping = new RenormClipping(3, 0.33, 5),
            }, [6, 4], false),
    ];

    /// <summary>A batch of this layer's shape, the same for the same seed: channel-dependent offsets and scales.</summary>
    public float[] Batch(int seed)
    {
        var random = new Random(seed);
        var values = new float[Elements];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)(((random.NextDouble() * 2) - 1) * (1 + (i % 3)) + (i % 5) - 2);
        }

        return values;
    }
}
