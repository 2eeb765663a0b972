namespace BnService.Security;

/// <summary>
/// API keys (configuration section <c>Auth</c>). Off by default; <see cref="Enabled"/> turns it on, and then every call
/// but health needs a key (see SECURITY.md). Keys come from <see cref="Keys"/>, <see cref="KeysFile"/> or both.
/// </summary>
public sealed class AuthSettings
{
    public const string Section = "Auth";

    public bool Enabled { get; set; }

    /// <summary>Keys from configuration: <c>Auth:Keys:0:Key</c>, <c>Auth:Keys:0:Role</c>, <c>Auth:Keys:0:Name</c>.</summary>
    public List<ApiKeySetting> Keys { get; set; } = [];

    /// <summary>A JSON file of keys in the same shape as <see cref="Keys"/>: <c>[{"name": "...", "role": "read", "key": "..."}]</c>; read at start.</summary>
    public string KeysFile { get; set; } = "";
}

/// <summary>One API key: the secret, its role (<c>read</c> or <c>write</c>) and the name logs show instead of the key.</summary>
public sealed class ApiKeySetting
{
    public string? Name { get; set; }

    public string? Key { get; set; }

    public string? Role { get; set; }
}
