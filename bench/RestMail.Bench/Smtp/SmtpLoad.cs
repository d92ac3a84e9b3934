using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RestMail.Bench.Smtp;

/// <summary>
/// Sends numbered 4 KB messages to one SMTP server over a number of concurrent sessions (one TCP
/// connection each, sequential transactions, as an MTA relaying a burst does) and times them.
/// </summary>
internal static class SmtpLoad
{
    /// <summary>Sends <paramref name="count"/> messages over <paramref name="sessions"/> sessions; returns the seconds until the last 250.</summary>
    public static async Task<double> SendAsync(int port, string recipient, int count, int sessions, byte[] body)
    {
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, sessions).Select(_ => Task.Run(async () =>
        {
            using var client = new TcpClient { NoDelay = true };
            await client.ConnectAsync(IPAddress.Loopback, port);
            await using var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.ASCII);
            await ExpectAsync(reader, '2');
            await WriteAsync(stream, "EHLO bench.test\r\n");
            await ExpectAsync(reader, '2');
            int n;
            while ((n = Interlocked.Increment(ref next)) < count)
            {
                await WriteAsync(stream, $"MAIL FROM:<sender@remote.test>\r\n");
                await ExpectAsync(reader, '2');
                await WriteAsync(stream, $"RCPT TO:<{recipient}>\r\n");
                await ExpectAsync(reader, '2');
                await WriteAsync(stream, "DATA\r\n");
                await ExpectAsync(reader, '3');
                await WriteAsync(stream, $"From: <sender@remote.test>\r\nTo: <{recipient}>\r\nSubject: bench {n}\r\nMessage-ID: <{n}.{Guid.NewGuid():N}@remote.test>\r\n\r\n");
                await stream.WriteAsync(body);
                await WriteAsync(stream, ".\r\n");
                await ExpectAsync(reader, '2');
            }
            await WriteAsync(stream, "QUIT\r\n");
        })));
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>A 4 KB body of 76-character lines.</summary>
    public static byte[] Body(int size)
    {
        var builder = new StringBuilder(size + 80);
        var random = new Random(7);
        while (builder.Length < size)
        {
            for (var i = 0; i < 76; i++)
                builder.Append((char)('a' + random.Next(26)));
            builder.Append("\r\n");
        }
        return Encoding.ASCII.GetBytes(builder.ToString());
    }

    private static async Task WriteAsync(Stream stream, string text) => await stream.WriteAsync(Encoding.ASCII.GetBytes(text));

    private static async Task ExpectAsync(StreamReader reader, char kind)
    {
        string? line;
        do
        {
            line = await reader.ReadLineAsync() ?? throw new IOException("The server closed the connection.");
        }
        while (line.Length > 3 && line[3] == '-');
        if (line.Length == 0 || line[0] != kind)
            throw new InvalidOperationException($"Unexpected reply: {line}");
    }
}
