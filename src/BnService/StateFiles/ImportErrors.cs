using BnService.Layers;

namespace BnService.StateFiles;

/// <summary>The one way an imported state file is refused: a 400 naming what does not fit. Nothing changes.</summary>
internal static class ImportErrors
{
    public static ServiceException Invalid(string field, string message) => new(ServiceErrorKind.InvalidArgument, message, field);

    /// <summary>Per-channel values: exactly <paramref name="channels"/> finite values, non-negative where asked.</summary>
    public static double[] PerChannel(string field, IReadOnlyList<double>? values, int channels, bool nonNegative = false)
    {
        if (values is null)
        {
            throw Invalid(field, $"{field} is missing; it must hold {channels} values (one per channel)");
        }

        if (values.Count != channels)
        {
            throw Invalid(field, $"{field} holds {values.Count} values but the layer has {channels} channels");
        }

        var result = new double[channels];
        for (var i = 0; i < channels; i++)
        {
            var v = values[i];
            if (!double.IsFinite(v))
            {
                throw Invalid(field, $"{field}[{i}] is {v}; every value must be finite");
            }

            if (nonNegative && v < 0)
            {
                throw Invalid(field, $"{field}[{i}] is {v}; a variance or standard deviation cannot be negative");
            }

            result[i] = v;
        }

        return result;
    }

    public static long Count(string field, long? value)
    {
        if (value is not { } v)
        {
            throw Invalid(field, $"{field} is missing");
        }

        return v < 0 ? throw Invalid(field, $"{field} is {v}; it cannot be negative") : v;
    }
}
