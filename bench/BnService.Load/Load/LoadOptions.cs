using System.Globalization;

namespace BnService.Load.Load;

/// <summary>
/// Command line: <c>--quick</c> (0.5 s warm-up + 2 s measured per run, about three and a half minutes in all) or <c>--full</c>
/// (2 s + 8 s, the default); <c>--sizes 8kb,1mb,16mb</c>; <c>--scenarios grpc_train_raw,...</c>; <c>--clients-small N</c>
/// (default 4) and <c>--clients-large N</c> (default 2) concurrent clients; <c>--warmup S</c>, <c>--measure S</c>;
/// <c>--service path/BnService.dll</c> (default: the repository's Release build); <c>--prewarm S</c>: every run once
/// for S seconds, unmeasured, before the measured runs (default 2 s; 0: none); <c>--rounds N</c>: each scenario and
/// size measured N times, echo and service in turn, the ratio the median of the N pairs' (default 1).
/// </summary>
public sealed record LoadOptions(TimeSpan Warmup, TimeSpan Measure, string[]? Sizes, string[]? Scenarios, int ClientsSmall, int ClientsLarge,
    string ServiceDll, TimeSpan Prewarm, int Rounds = 1)
{
    public static LoadOptions Parse(string[] args)
    {
        var quick = args.Contains("--quick");
        var options = new LoadOptions(TimeSpan.FromSeconds(quick ? 0.5 : 2), TimeSpan.FromSeconds(quick ? 2 : 8), null, null, 4, 2, DefaultServiceDll(),
            TimeSpan.FromSeconds(2));
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--quick" or "--full" => options,
                "--sizes" => options with { Sizes = Next().Split(',') },
                "--scenarios" => options with { Scenarios = Next().Split(',') },
                "--clients-small" => options with { ClientsSmall = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--clients-large" => options with { ClientsLarge = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--warmup" => options with { Warmup = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--measure" => options with { Measure = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--service" => options with { ServiceDll = Path.GetFullPath(Next()) },
                "--prewarm" => options with { Prewarm = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--rounds" => options with { Rounds = Math.Max(1, int.Parse(Next(), CultureInfo.InvariantCulture)) },
                _ => throw new ArgumentException($"unknown argument {args[i]}"),
            };
        }

        return options;
    }

    /// <summary>src/BnService/bin/Release/net10.0/BnService.dll of the repository this tool was built in.</summary>
    private static string DefaultServiceDll()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BnService.sln")))
            {
                return Path.Combine(dir.FullName, "src", "BnService", "bin", "Release", "net10.0", "BnService.dll");
            }
        }

        return "BnService.dll";
    }
}
