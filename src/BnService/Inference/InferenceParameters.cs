using BnService.Layers;

namespace BnService.Inference;

/// <summary>
/// The parameters of a request, an input or a requested output, whatever the wire (a JSON object or a protobuf
/// map): each value a bool, a long, a double (JSON only) or a string. Every name this service does not read is
/// refused, so a misspelt option is never silently ignored.
/// </summary>
public sealed class InferenceParameters
{
    private readonly IReadOnlyDictionary<string, object> _values;

    /// <param name="values">Name to value.</param>
    /// <param name="field">The parameters' own field in errors, e.g. <c>parameters</c> or <c>inputs[0].parameters</c>.</param>
    public InferenceParameters(IReadOnlyDictionary<string, object> values, string field)
    {
        _values = values;
        Field = field;
    }

    public static InferenceParameters None(string field) => new(new Dictionary<string, object>(), field);

    public string Field { get; }

    public bool Has(string name) => _values.ContainsKey(name);

    public bool? Bool(string name) => _values.TryGetValue(name, out var value) ? Expect<bool>(name, value, "true or false") : null;

    public long? Int(string name) => _values.TryGetValue(name, out var value) ? Expect<long>(name, value, "an integer") : null;

    public string? String(string name) => _values.TryGetValue(name, out var value) ? Expect<string>(name, value, "a string") : null;

    /// <summary>Refuses every parameter not in <paramref name="known"/>, naming what is served.</summary>
    public void RefuseOthers(params string[] known)
    {
        foreach (var name in _values.Keys)
        {
            if (!known.Contains(name, StringComparer.Ordinal))
            {
                var served = known.Length == 0 ? "none are served here" : "served here: " + string.Join(", ", known);
                throw new ServiceException(ServiceErrorKind.InvalidArgument, $"the parameter '{name}' is not supported; {served}", FieldOf(name));
            }
        }
    }

    public string FieldOf(string name) => $"{Field}.{name}";

    private T Expect<T>(string name, object value, string expected) =>
        value is T typed ? typed : throw new ServiceException(ServiceErrorKind.InvalidArgument, $"'{name}' must be {expected}", FieldOf(name));
}
