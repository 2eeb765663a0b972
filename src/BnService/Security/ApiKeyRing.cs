using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace BnService.Security;

/// <summary>
/// The configured API keys, held as SHA-256 digests. A presented key is hashed and compared with every digest in
/// constant time (<see cref="CryptographicOperations.FixedTimeEquals"/>, no early exit), so neither the comparison
/// nor the number of keys tried tells a caller how close a guess was. Keys are never logged; their names are.
/// </summary>
public sealed class ApiKeyRing
{
    /// <summary>Shortest accepted key: a guessable key would make the rest pointless.</summary>
    public const int MinKeyLength = 16;

    public const int MaxKeyLength = 1024;

    private readonly (byte[] Digest, ApiCaller Caller)[] _keys;

    private ApiKeyRing((byte[] Digest, ApiCaller Caller)[] keys) => _keys = keys;

    public int Count => _keys.Length;

    /// <summary>The caller a <c>Bearer</c> credential identifies, or null for a missing, malformed or unknown one.</summary>
    public ApiCaller? Identify(string? authorization)
    {
        if (BearerToken(authorization) is not { } token)
        {
            return null;
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(token), digest);
        ApiCaller? match = null;
        foreach (var key in _keys)
        {
            var equal = CryptographicOperations.FixedTimeEquals(digest, key.Digest);
            match = equal ? key.Caller : match;
        }

        return match;
    }

    /// <summary>The token of <c>Bearer &lt;token&gt;</c> (scheme case-insensitive), or null.</summary>
    public static string? BearerToken(string? authorization)
    {
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = authorization[scheme.Length..].Trim();
        return token.Length is > 0 and <= MaxKeyLength ? token : null;
    }

    /// <summary>Builds the ring from settings, or says what is wrong with them (the start-up check uses the same code).</summary>
    public static bool TryLoad(AuthSettings settings, out ApiKeyRing ring, out string error)
    {
        ring = new ApiKeyRing([]);
        error = "";
        var entries = new List<(ApiKeySetting Setting, string Where)>();
        for (var i = 0; i < settings.Keys.Count; i++)
        {
            entries.Add((settings.Keys[i], $"{AuthSettings.Section}:Keys:{i}"));
        }

        if (!string.IsNullOrWhiteSpace(settings.KeysFile) && !TryReadFile(settings.KeysFile, entries, out error))
        {
            return false;
        }

        if (!settings.Enabled)
        {
            if (entries.Count > 0)
            {
                error = "Auth:Keys or Auth:KeysFile holds keys but Auth:Enabled is false: set Auth:Enabled=true to require them, or remove them.";
                return false;
            }

            return true;
        }

        if (entries.Count == 0)
        {
            error = "Auth:Enabled is true but no key is configured: add Auth:Keys:0:Key and Auth:Keys:0:Role, or Auth:KeysFile.";
            return false;
        }

        var keys = new List<(byte[], ApiCaller)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var digests = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (setting, where) in entries)
        {
            if (!TryCheck(setting, where, out var role, out error))
            {
                return false;
            }

            var name = string.IsNullOrWhiteSpace(setting.Name) ? where : setting.Name.Trim();
            if (!names.Add(name))
            {
                error = $"{where}: the key name '{name}' is used twice; names tell keys apart in the logs.";
                return false;
            }

            var digest = SHA256.HashData(Encoding.UTF8.GetBytes(setting.Key!));
            if (!digests.Add(Convert.ToHexString(digest)))
            {
                error = $"{where} ('{name}'): the same key is configured twice.";
                return false;
            }

            keys.Add((digest, new ApiCaller(name, role)));
        }

        ring = new ApiKeyRing([.. keys]);
        return true;
    }

    private static bool TryCheck(ApiKeySetting setting, string where, out AccessRole role, out string error)
    {
        error = "";
        if (!AccessRoles.TryParse(setting.Role, out role))
        {
            error = $"{where}:Role '{setting.Role}' is not a role; expected 'read' or 'write'.";
            return false;
        }

        var key = setting.Key;
        if (string.IsNullOrEmpty(key))
        {
            error = $"{where}:Key is empty.";
            return false;
        }

        if (key.Length is < MinKeyLength or > MaxKeyLength || key.Any(c => c is <= ' ' or > '~'))
        {
            // The message never repeats the key.
            error = $"{where}:Key must have {MinKeyLength} to {MaxKeyLength} printable ASCII characters without spaces.";
            return false;
        }

        return true;
    }

    private static bool TryReadFile(string path, List<(ApiKeySetting, string)> entries, out string error)
    {
        error = "";
        List<ApiKeySetting>? fromFile;
        try
        {
            fromFile = JsonSerializer.Deserialize<List<ApiKeySetting>>(File.ReadAllText(path), FileOptions);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            error = $"Auth:KeysFile '{path}' cannot be read as a JSON array of keys: {e.Message}";
            return false;
        }

        var list = fromFile ?? [];
        for (var i = 0; i < list.Count; i++)
        {
            entries.Add((list[i] ?? new ApiKeySetting(), $"Auth:KeysFile[{i}]"));
        }

        return true;
    }

    private static readonly JsonSerializerOptions FileOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };
}
