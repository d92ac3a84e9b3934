using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace RestMail.Tests.Outbound;

/// <summary>A message as the sink received it: envelope and the exact DATA bytes (dot-unstuffed).</summary>
public sealed record SinkMessage(string MailFrom, IReadOnlyList<string> Recipients, byte[] Data, bool OverTls = false)
{
    /// <summary>The DATA text without the DKIM-Signature field the sender put in front (with its folded lines).</summary>
    public string WithoutDkimSignature()
    {
        var text = Encoding.UTF8.GetString(Data);
        if (!text.StartsWith("DKIM-Signature:", StringComparison.OrdinalIgnoreCase))
            return text;
        var end = text.IndexOf("\r\n", StringComparison.Ordinal);
        while (end >= 0 && end + 2 < text.Length && text[end + 2] is ' ' or '\t')
            end = text.IndexOf("\r\n", end + 2, StringComparison.Ordinal);
        return text[(end + 2)..];
    }
}

/// <summary>
/// A tiny SMTP server on 127.0.0.1 for outbound tests: EHLO with PIPELINING and 8BITMIME, MAIL,
/// RCPT (answered per address from <see cref="Replies"/>, 250 by default), DATA, RSET, NOOP, QUIT;
/// with <see cref="AdvertiseDsn"/> it offers DSN and records the MAIL and RCPT command lines.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public SmtpSink()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>RCPT replies by address (lower case); absent means "250 2.1.5 OK".</summary>
    public ConcurrentDictionary<string, string> Replies { get; } = new(StringComparer.OrdinalIgnoreCase);

    public ConcurrentQueue<SinkMessage> Received { get; } = new();

    /// <summary>Offer the DSN extension (RFC 3461) in EHLO.</summary>
    public bool AdvertiseDsn { get; init; }

    /// <summary>Every MAIL and RCPT command line received, as sent.</summary>
    public ConcurrentQueue<string> EnvelopeCommands { get; } = new();

    /// <summary>When set, STARTTLS is offered with this certificate.</summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>The messages received for one recipient.</summary>
    public IReadOnlyList<SinkMessage> For(string recipient) =>
        [.. Received.Where(m => m.Recipients.Contains(recipient, StringComparer.OrdinalIgnoreCase))];

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            Stream stream = client.GetStream();
            var reader = new LineReader(stream);
            var tls = false;
            async Task Reply(string line) => await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"), _stop.Token);

            await Reply("220 sink.test ESMTP");
            string mailFrom = "";
            var recipients = new List<string>();
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await Reply("250-sink.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n" + (Certificate is not null && !tls ? "250-STARTTLS\r\n" : "")
                            + (AdvertiseDsn ? "250-DSN\r\n" : "") + "250 ENHANCEDSTATUSCODES");
                        break;
                    case "STARTTLS" when Certificate is not null && !tls:
                        await Reply("220 2.0.0 Ready to start TLS");
                        var ssl = new SslStream(stream);
                        await ssl.AuthenticateAsServerAsync(Certificate);
                        (stream, reader, tls) = (ssl, new LineReader(ssl), true);
                        break;
                    case "HELO":
                        await Reply("250 sink.test");
                        break;
                    case "MAIL":
                        EnvelopeCommands.Enqueue(line);
                        mailFrom = Path(line);
                        recipients.Clear();
                        await Reply("250 2.1.0 OK");
                        break;
                    case "RCPT":
                        EnvelopeCommands.Enqueue(line);
                        var address = Path(line);
                        var reply = Replies.TryGetValue(address, out var configured) ? configured : "250 2.1.5 OK";
                        if (reply.StartsWith('2'))
                            recipients.Add(address);
                        await Reply(reply);
                        break;
                    case "DATA":
                        if (recipients.Count == 0)
                        {
                            await Reply("554 5.5.1 No valid recipients");
                            break;
                        }
                        await Reply("354 Go ahead");
                        var data = await reader.ReadDataAsync(_stop.Token);
                        Received.Enqueue(new SinkMessage(mailFrom, [.. recipients], data, tls));
                        recipients.Clear();
                        await Reply("250 2.0.0 Queued");
                        break;
                    case "RSET":
                        recipients.Clear();
                        await Reply("250 2.0.0 OK");
                        break;
                    case "NOOP":
                        await Reply("250 2.0.0 OK");
                        break;
                    case "QUIT":
                        await Reply("221 2.0.0 Bye");
                        return;
                    default:
                        await Reply("502 5.5.2 Not implemented");
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or AuthenticationException)
        {
            // The client went away (or refused our certificate).
        }
    }

    /// <summary>The address between &lt; and &gt; in MAIL FROM / RCPT TO.</summary>
    private static string Path(string line)
    {
        var open = line.IndexOf('<', StringComparison.Ordinal);
        var close = line.IndexOf('>', open + 1);
        return open < 0 || close < 0 ? "" : line[(open + 1)..close];
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }

    /// <summary>Reads CRLF lines and DATA from a stream, keeping what was read ahead (pipelining).</summary>
    private sealed class LineReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private byte[] _pending = [];

        public async Task<string?> ReadLineAsync(CancellationToken ct)
        {
            var line = await ReadRawLineAsync(ct);
            return line is null ? null : Encoding.UTF8.GetString(line, 0, line.Length - 2);
        }

        public async Task<byte[]> ReadDataAsync(CancellationToken ct)
        {
            var data = new MemoryStream();
            while (await ReadRawLineAsync(ct) is { } line)
            {
                if (line.Length == 3 && line[0] == '.')
                    return data.ToArray();
                var skip = line[0] == '.' ? 1 : 0;
                data.Write(line, skip, line.Length - skip);
            }
            throw new IOException("Connection closed during DATA.");
        }

        private async Task<byte[]?> ReadRawLineAsync(CancellationToken ct)
        {
            while (true)
            {
                var end = _pending.AsSpan().IndexOf("\r\n"u8);
                if (end >= 0)
                {
                    var line = _pending[..(end + 2)];
                    _pending = _pending[(end + 2)..];
                    return line;
                }
                var read = await stream.ReadAsync(_buffer, ct);
                if (read == 0)
                    return null;
                _pending = [.. _pending, .. _buffer.AsSpan(0, read)];
            }
        }
    }
}
