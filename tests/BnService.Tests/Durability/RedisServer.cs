using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using BnService.Tests.Infrastructure;

namespace BnService.Tests.Durability;

/// <summary>
/// The Redis that the cluster and Redis-storage tests use: the one named by <c>BNSERVICE_TEST_REDIS</c>
/// (host:port; <c>.ci/run</c> starts one and sets it), otherwise a <c>redis-server</c> from PATH that this
/// fixture starts on a free loopback port without persistence and stops at the end. Each test uses its own
/// ClusterId / ServiceId, so one Redis serves them all.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    public const string Variable = "BNSERVICE_TEST_REDIS";

    private Process? _own;

    public string Connection { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var given = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(given))
        {
            Connection = given;
            return;
        }

        var binary = RedisFactAttribute.RedisServerBinary
            ?? throw new InvalidOperationException($"these tests need Redis: set {Variable}=host:port, or install redis-server (apt-get install redis-server)");
        var port = FreePorts.Next();
        _own = Process.Start(new ProcessStartInfo(binary, ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("redis-server did not start");
        _own.OutputDataReceived += (_, _) => { };
        _own.BeginOutputReadLine();
        Connection = $"127.0.0.1:{port}";
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await PingAsync(port))
        {
            if (DateTime.UtcNow > deadline || _own.HasExited)
            {
                throw new InvalidOperationException($"redis-server on port {port} did not answer PING");
            }

            await Task.Delay(50);
        }
    }

    public async Task DisposeAsync()
    {
        if (_own is { HasExited: false })
        {
            _own.Kill();
            // Bounded: a redis-server not gone a minute after kill -9 fails the fixture instead of holding the test run.
            await _own.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }

        _own?.Dispose();
    }

    private static async Task<bool> PingAsync(int port)
    {
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", port);
            var stream = tcp.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>
/// A test that needs Redis. It runs when <c>BNSERVICE_TEST_REDIS</c> is set or <c>redis-server</c> is on PATH.
/// On a developer machine with neither it is reported as skipped, with the reason; under CI
/// (<c>BNSERVICE_REQUIRE_REDIS=1</c>, set by <c>.ci/run</c>) it always runs, so a missing Redis fails it loudly.
/// </summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        var required = Environment.GetEnvironmentVariable("BNSERVICE_REQUIRE_REDIS") == "1";
        var given = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(RedisServer.Variable));
        if (!required && !given && RedisServerBinary is null)
        {
            Skip = $"needs Redis: set {RedisServer.Variable}=host:port or install redis-server (apt-get install redis-server)";
        }
    }

    public static string? RedisServerBinary =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, "redis-server"))
            .FirstOrDefault(File.Exists);
}
