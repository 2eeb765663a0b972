using System.Collections;

namespace BnService.Hosting;

/// <summary>
/// Where the service reads its <c>appsettings.json</c>: the content root the operator names, otherwise the directory of
/// the service's own assembly, wherever it is started from. The framework's default is the current directory, so
/// <c>cd /tmp &amp;&amp; dotnet /srv/bn/BnService.dll</c> would start without the service's defaults (its Kestrel
/// endpoints' protocols among them).
/// </summary>
/// <remarks>
/// The operator's content root is read from the sources the host reads it from, in its order (a later one wins, also
/// when it is set but empty): <c>ASPNETCORE_CONTENTROOT</c>, then <c>DOTNET_CONTENTROOT</c>, then the command line
/// (<c>--contentRoot</c>). An empty one is no content root, as for the host (which then takes the assembly's
/// directory). A relative one is taken from the current directory, where the operator typed it; the host would take it
/// from the assembly's directory.
/// </remarks>
public static class ContentRoot
{
    /// <summary>The prefixes of the environment variables the host reads its content root from, in its order.</summary>
    private static readonly string[] EnvironmentPrefixes = ["ASPNETCORE_", "DOTNET_"];

    /// <summary>The builder's options: <paramref name="args"/>, and the content root from them and the process's environment.</summary>
    public static WebApplicationOptions Options(string[] args) => Options(args, Environment.GetEnvironmentVariables());

    /// <summary>The builder's options: <paramref name="args"/>, and the content root from them and <paramref name="environment"/>.</summary>
    public static WebApplicationOptions Options(string[] args, IDictionary environment) => new()
    {
        Args = args,
        ContentRootPath = Named(args, environment) is { Length: > 0 } named ? Path.GetFullPath(named) : AppContext.BaseDirectory,
    };

    /// <summary>The content root the operator names, as the host reads it: null or empty when none.</summary>
    private static string? Named(string[] args, IDictionary environment)
    {
        var sources = new ConfigurationBuilder();
        foreach (var prefix in EnvironmentPrefixes)
        {
            // Like the host's environment source, the last of the variables that differ in case only.
            var values = Variables(environment, prefix + HostDefaults.ContentRootKey).ToList();
            if (values.Count > 0)
            {
                sources.AddInMemoryCollection([KeyValuePair.Create(HostDefaults.ContentRootKey, values[^1])]);
            }
        }

        return sources.AddCommandLine(args).Build()[HostDefaults.ContentRootKey];
    }

    /// <summary>The values of the variables named <paramref name="name"/> (case-insensitive, as configuration reads them).</summary>
    private static IEnumerable<string?> Variables(IDictionary environment, string name) =>
        environment.Cast<DictionaryEntry>()
            .Where(entry => string.Equals((string)entry.Key, name, StringComparison.OrdinalIgnoreCase))
            .Select(entry => (string?)entry.Value);
}
