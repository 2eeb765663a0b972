using BnService.Layers;

namespace BnService.StateFiles;

/// <summary>The layer's double variables as the float32 the frameworks' files hold.</summary>
internal static class Float32Values
{
    /// <summary>Rounded to float32; a value beyond float32's range is a 409: the state has no such form (format=json has).</summary>
    public static float[] Of(string name, double[] values, string format)
    {
        var floats = new float[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            floats[i] = (float)values[i];
            if (!float.IsFinite(floats[i]))
            {
                throw new ServiceException(ServiceErrorKind.ConfigMismatch,
                    $"{name}[{i}] is {values[i]}, beyond float32: this state has no {format} form; use format=json", StateFormats.Field);
            }
        }

        return floats;
    }
}
