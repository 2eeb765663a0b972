namespace BnEngine;

/// <summary>api.md "Names": <c>^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$</c>; dots express scope.</summary>
public static class LayerName
{
    public const int MaxLength = 128;

    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || !char.IsAsciiLetterOrDigit(name[0]))
        {
            return false;
        }

        foreach (var ch in name.AsSpan(1))
        {
            if (!char.IsAsciiLetterOrDigit(ch) && ch is not ('_' or '.' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Throws <see cref="InvalidOptionException"/> on field <paramref name="field"/> unless the name is valid.</summary>
    public static void Validate(string? name, string field = "name")
    {
        if (!IsValid(name))
        {
            throw new InvalidOptionException(field,
                "a layer name starts with a letter or digit, continues with letters, digits, '_', '.' or '-', and has at most 128 characters");
        }
    }
}
