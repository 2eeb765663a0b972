using BnService.Tests.Infrastructure;

namespace BnService.Tests;

/// <summary>Settings are validated at start: a bad value stops the host with a message that names it.</summary>
public class ConfigurationTests
{
    [Theory]
    [InlineData("Storage:Kind", "file", "Storage:Kind")]
    [InlineData("Storage:Kind", "disk", "Storage:Kind")]
    [InlineData("Storage:WriteEvery", "0", "WriteEvery")]
    [InlineData("Cluster:Redis", "localhost:6379,nonsense=1", "Cluster:Redis")]
    [InlineData("Storage:Kind", "redis", "Storage:Redis")]
    [InlineData("Cluster:ClusterId", "", "ClusterId")]
    [InlineData("Limits:MaxBatchBytes", "10", "MaxBatchBytes")]
    public void ABadSettingStopsTheStartWithAClearMessage(string key, string value, string named)
    {
        using var factory = new BnServiceFactory(new Dictionary<string, string?> { [key] = value });
        var error = Assert.ThrowsAny<Exception>(() => factory.Server);
        Assert.Contains(named, Flatten(error), StringComparison.Ordinal);
    }

    private static string Flatten(Exception error) =>
        error is AggregateException aggregate
            ? string.Join(" | ", aggregate.InnerExceptions.Select(Flatten))
            : error.Message + (error.InnerException is { } inner ? " | " + Flatten(inner) : "");
}
