namespace BnService.Hosting;

/// <summary>
/// Where the service reads its <c>appsettings.json</c>: the content root the operator sets (<c>--contentRoot</c>,
/// <c>ASPNETCORE_CONTENTROOT</c> or <c>DOTNET_CONTENTROOT</c>), otherwise the directory of the service's own assembly,
/// wherever it is started from. The framework's default is the current directory, so <c>cd /tmp &amp;&amp; dotnet
/// /srv/bn/BnService.dll</c> would start without the service's defaults (its Kestrel endpoints' protocols among them).
/// </summary>
public static class ContentRoot
{
    /// <summary>The builder's options: <paramref name="args"/>, and the content root unless the operator set one.</summary>
    public static WebApplicationOptions Options(string[] args) => new()
    {
        Args = args,
        // Set here, it would override the operator's: leave it to them when they set one.
        ContentRootPath = SetByOperator(args) ? null : AppContext.BaseDirectory,
    };

    /// <summary>Whether the sources the host reads its content root from (environment, then command line) name one.</summary>
    public static bool SetByOperator(string[] args) =>
        !string.IsNullOrEmpty(new ConfigurationBuilder()
            .AddEnvironmentVariables("DOTNET_")
            .AddEnvironmentVariables("ASPNETCORE_")
            .AddCommandLine(args)
            .Build()[HostDefaults.ContentRootKey]);
}
