using BnService.Security;
using BnService.Tests.Infrastructure;

namespace BnService.Tests.Security;

/// <summary>Bad auth settings stop the start with a message naming the setting (and never the key).</summary>
public sealed class AuthSettingsTests
{
    private const string Key = "a-long-enough-key-123";

    [Fact]
    public void OffByDefault()
    {
        Assert.True(ApiKeyRing.TryLoad(new AuthSettings(), out var ring, out _));
        Assert.Equal(0, ring.Count);
        Assert.False(new AuthSettings().Enabled);
    }

    [Theory]
    [InlineData(null, null, "Auth:Enabled is true but no key")]
    [InlineData("", "read", "Auth:Keys:0:Key is empty")]
    [InlineData(Key, "admin", "Auth:Keys:0:Role 'admin' is not a role")]
    [InlineData(Key, null, "Auth:Keys:0:Role '' is not a role")]
    [InlineData("short-key", "write", "Auth:Keys:0:Key must have 16")]
    [InlineData("a key with spaces in it", "write", "Auth:Keys:0:Key must have 16")]
    public void EnabledWithABadKeyIsRefused(string? key, string? role, string message)
    {
        var settings = new AuthSettings { Enabled = true };
        if (key is not null || role is not null)
        {
            settings.Keys.Add(new ApiKeySetting { Key = key, Role = role });
        }

        Assert.False(ApiKeyRing.TryLoad(settings, out _, out var error));
        Assert.Contains(message, error, StringComparison.Ordinal);
        if (!string.IsNullOrEmpty(key))
        {
            Assert.DoesNotContain(key, error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TheSameKeyOrNameTwiceIsRefused()
    {
        var sameKey = new AuthSettings { Enabled = true, Keys = [new() { Key = Key, Role = "read" }, new() { Key = Key, Role = "write" }] };
        Assert.False(ApiKeyRing.TryLoad(sameKey, out _, out var error));
        Assert.Contains("Auth:Keys:1", error, StringComparison.Ordinal);

        var sameName = new AuthSettings { Enabled = true, Keys = [new() { Name = "ci", Key = Key, Role = "read" }, new() { Name = "ci", Key = Key + "x", Role = "write" }] };
        Assert.False(ApiKeyRing.TryLoad(sameName, out _, out error));
        Assert.Contains("'ci'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void KeysWithoutEnabledAreRefusedRatherThanIgnored()
    {
        var settings = new AuthSettings { Keys = [new() { Key = Key, Role = "write" }] };
        Assert.False(ApiKeyRing.TryLoad(settings, out _, out var error));
        Assert.Contains("Auth:Enabled is false", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AKeysFileAddsKeysNamedOrNumbered()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """
                // one key a line is not needed: this is JSON, comments allowed
                [
                  { "name": "ci", "role": "write", "key": "file-key-0000000001" },
                  { "role": "read", "key": "file-key-0000000002" },
                ]
                """);
            var settings = new AuthSettings { Enabled = true, KeysFile = path, Keys = [new() { Key = Key, Role = "read" }] };
            Assert.True(ApiKeyRing.TryLoad(settings, out var ring, out var error), error);
            Assert.Equal(3, ring.Count);
            Assert.Equal(new ApiCaller("ci", AccessRole.Write), ring.Identify("Bearer file-key-0000000001"));
            Assert.Equal(new ApiCaller("Auth:KeysFile[1]", AccessRole.Read), ring.Identify("Bearer file-key-0000000002"));
            Assert.Equal(new ApiCaller("Auth:Keys:0", AccessRole.Read), ring.Identify("Bearer " + Key));
            Assert.Null(ring.Identify("Bearer file-key-0000000003"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"key\": \"an-object-not-an-array\"}")]
    public void AnUnreadableKeysFileIsRefused(string content)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, content);
            Assert.False(ApiKeyRing.TryLoad(new AuthSettings { Enabled = true, KeysFile = path }, out _, out var error));
            Assert.Contains("Auth:KeysFile", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }

        Assert.False(ApiKeyRing.TryLoad(new AuthSettings { Enabled = true, KeysFile = path + ".missing" }, out _, out var missing));
        Assert.Contains("Auth:KeysFile", missing, StringComparison.Ordinal);
    }

    [Fact]
    public void TheHostRefusesToStartWithBadAuthSettings()
    {
        using var factory = new BnServiceFactory(new Dictionary<string, string?> { ["Auth:Enabled"] = "true" });
        var error = Assert.ThrowsAny<Exception>(() => factory.Server);
        Assert.Contains("Auth:Enabled is true but no key", error.ToString(), StringComparison.Ordinal);
    }
}
