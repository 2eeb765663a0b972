using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace BnService.Tests.Hostile;

/// <summary>
/// An HTTP/1.1 request written by hand over a socket: its head, then its body a few bytes at a time with pauses,
/// while the answer is read at the same time, so a test can tell when the server answered relative to what it had
/// been sent.
/// </summary>
public sealed class SlowUpload
{
    public required int Status { get; init; }

    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    public required string Body { get; init; }

    /// <summary>Body bytes written before the answer's status line arrived.</summary>
    public required long BytesSentBeforeAnswer { get; init; }

    /// <summary>Time from the moment the body passed <c>limit</c> bytes to the answer (null when it never passed it).</summary>
    public required TimeSpan? AnswerAfterLimit { get; init; }

    /// <summary>Whether the whole body had been written when the answer arrived.</summary>
    public required bool BodyFinished { get; init; }

    /// <summary>
    /// Sends <paramref name="head"/> (request line and headers, without the blank line), then <paramref name="start"/>,
    /// then <paramref name="filler"/> <paramref name="chunks"/> times, one every <paramref name="pause"/>; chunked when
    /// the head has no Content-Length.
    /// </summary>
    public static async Task<SlowUpload> SendAsync(int port, string head, byte[] start, byte[] filler, int chunks, TimeSpan pause, long limit)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        var chunked = !head.Contains("Content-Length:", StringComparison.OrdinalIgnoreCase);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head + (chunked ? "\r\nTransfer-Encoding: chunked" : "") + "\r\n\r\n"));

        long sent = 0;
        var clock = Stopwatch.StartNew();
        long crossedTicks = -1;
        var finished = false;
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            try
            {
                await WriteAsync(start);
                for (var i = 0; i < chunks && !stop.IsCancellationRequested; i++)
                {
                    await Task.Delay(pause, stop.Token);
                    await WriteAsync(filler);
                }

                if (chunked)
                {
                    await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), stop.Token);
                }

                finished = true;
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
            {
                // The server answered and closed, or the test stopped writing.
            }
        });

        var response = await ReadResponseAsync(stream, TimeSpan.FromSeconds(60));
        var answeredAt = clock.Elapsed;
        var sentBeforeAnswer = Interlocked.Read(ref sent);
        var wasFinished = finished;
        await stop.CancelAsync();
        await writer;
        return new SlowUpload
        {
            Status = response.Status,
            Headers = response.Headers,
            Body = response.Body,
            BytesSentBeforeAnswer = sentBeforeAnswer,
            AnswerAfterLimit = Interlocked.Read(ref crossedTicks) is >= 0 and var at ? answeredAt - TimeSpan.FromTicks(at) : null,
            BodyFinished = wasFinished,
        };

        async Task WriteAsync(byte[] bytes)
        {
            var framed = chunked ? [.. Encoding.ASCII.GetBytes($"{bytes.Length:X}\r\n"), .. bytes, .. "\r\n"u8] : bytes;
            await stream.WriteAsync(framed, stop.Token);
            await stream.FlushAsync(stop.Token);
            if (Interlocked.Add(ref sent, bytes.Length) > limit)
            {
                Interlocked.CompareExchange(ref crossedTicks, clock.Elapsed.Ticks, -1);
            }
        }
    }

    private static async Task<(int Status, Dictionary<string, string> Headers, string Body)> ReadResponseAsync(NetworkStream stream, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var buffer = new List<byte>();
        var chunk = new byte[4096];
        int headEnd;
        while ((headEnd = IndexOf(buffer, "\r\n\r\n"u8.ToArray())) < 0)
        {
            var read = await stream.ReadAsync(chunk, cancel.Token);
            if (read == 0)
            {
                throw new IOException("the connection closed before an answer");
            }

            buffer.AddRange(chunk.AsSpan(0, read));
        }

        var lines = Encoding.ASCII.GetString(buffer.GetRange(0, headEnd).ToArray()).Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var body = buffer.GetRange(headEnd + 4, buffer.Count - headEnd - 4);

        // The body: by Content-Length, or chunks up to the last one.
        bool Complete() => headers.TryGetValue("Content-Length", out var length)
            ? body.Count >= int.Parse(length, System.Globalization.CultureInfo.InvariantCulture)
            : IndexOf(body, "0\r\n\r\n"u8.ToArray()) >= 0;
        while (!Complete())
        {
            var read = await stream.ReadAsync(chunk, cancel.Token);
            if (read == 0)
            {
                break;
            }

            body.AddRange(chunk.AsSpan(0, read));
        }

        return (status, headers, headers.ContainsKey("Content-Length") ? Encoding.UTF8.GetString([.. body]) : Dechunk([.. body]));
    }

    private static string Dechunk(byte[] body)
    {
        var text = new StringBuilder();
        var at = 0;
        while (at < body.Length)
        {
            var lineEnd = IndexOf([.. body[at..]], "\r\n"u8.ToArray());
            var size = Convert.ToInt32(Encoding.ASCII.GetString(body, at, lineEnd), 16);
            if (size == 0)
            {
                break;
            }

            text.Append(Encoding.UTF8.GetString(body, at + lineEnd + 2, size));
            at += lineEnd + 2 + size + 2;
        }

        return text.ToString();
    }

    private static int IndexOf(List<byte> haystack, byte[] needle)
    {
        for (var i = 0; i + needle.Length <= haystack.Count; i++)
        {
            var match = true;
            for (var j = 0; j < needle.Length && match; j++)
            {
                match = haystack[i + j] == needle[j];
            }

            if (match)
            {
                return i;
            }
        }

        return -1;
    }
}
