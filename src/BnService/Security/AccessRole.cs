namespace BnService.Security;

/// <summary>
/// What an API key may do. <see cref="Read"/>: get, list, infer, stateless ops, metrics, model metadata.
/// <see cref="Write"/>: everything, including every call that changes state.
/// </summary>
public enum AccessRole
{
    Read,
    Write,
}

public static class AccessRoles
{
    /// <summary>Whether a caller holding <paramref name="held"/> may make a call that needs <paramref name="needed"/>: write includes read.</summary>
    public static bool Allows(this AccessRole held, AccessRole needed) => held >= needed;

    /// <summary>The role's name in configuration and messages: <c>read</c> or <c>write</c>.</summary>
    public static string ApiName(this AccessRole role) => role == AccessRole.Write ? "write" : "read";

    public static bool TryParse(string? text, out AccessRole role)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "read":
                role = AccessRole.Read;
                return true;
            case "write":
                role = AccessRole.Write;
                return true;
            default:
                role = default;
                return false;
        }
    }
}
