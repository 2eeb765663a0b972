using System.ComponentModel.DataAnnotations;

namespace BnService.Hosting;

/// <summary>Where layer state lives (configuration section <c>Storage</c>).</summary>
public sealed class StorageSettings
{
    public const string Section = "Storage";

    public const string Memory = "memory";
    public const string File = "file";
    public const string RedisKind = "redis";

    /// <summary><c>memory</c> (default), <c>file</c> or <c>redis</c>.</summary>
    public string Kind { get; set; } = Memory;

    /// <summary>Directory for <c>file</c> storage.</summary>
    public string Path { get; set; } = "";

    /// <summary>Connection string for <c>redis</c> storage.</summary>
    public string Redis { get; set; } = "";

    /// <summary>1: a state-changing call answers only after its state is written; N: write every N changes.</summary>
    [Range(1, 1_000_000)]
    public int WriteEvery { get; set; } = 1;
}
