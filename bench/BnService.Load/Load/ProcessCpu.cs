using System.Globalization;

namespace BnService.Load.Load;

/// <summary>
/// CPU time a process has used (user + system, from <c>/proc/PID/stat</c>), for the server's CPU per call: a figure
/// that the other work on a shared machine moves far less than calls per second.
/// </summary>
public static class ProcessCpu
{
    /// <summary>The kernel's clock ticks per second for these counters (USER_HZ, 100 on Linux).</summary>
    private const double TicksPerSecond = 100;

    /// <summary>Seconds of CPU used so far, or NaN where /proc is not there.</summary>
    public static double Seconds(int processId)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // Fields 14 and 15 (utime, stime) are the 12th and 13th after the name.
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (IOException)
        {
            return double.NaN;
        }
        catch (UnauthorizedAccessException)
        {
            return double.NaN;
        }
    }
}
