using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace RestMail.Tests.Imap;

/// <summary>A line-level IMAP client over a raw socket, for the tests that send what no real client would.</summary>
public sealed class RawImapClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private Stream _stream;
    private readonly StringBuilder _transcript = new();
    private byte[] _pending = [];

    private RawImapClient(TcpClient tcp, Stream stream)
    {
        _tcp = tcp;
        _stream = stream;
    }

    public string Transcript => _transcript.ToString();

    public static async Task<RawImapClient> ConnectAsync(IPEndPoint endPoint, RemoteCertificateValidationCallback? implicitTls = null)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(endPoint, TestContext.Current.CancellationToken);
        Stream stream = tcp.GetStream();
        if (implicitTls is not null)
        {
            var ssl = new SslStream(stream, false, implicitTls);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = ImapServer.Hostname }, TestContext.Current.CancellationToken);
            stream = ssl;
        }
        return new RawImapClient(tcp, stream);
    }

    public async Task StartTlsAsync(RemoteCertificateValidationCallback validate)
    {
        var ssl = new SslStream(_stream, false, validate);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = ImapServer.Hostname }, TestContext.Current.CancellationToken);
        _stream = ssl;
    }

    public async Task SendAsync(string text) => await SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        _transcript.Append("C: ").Append(Encoding.UTF8.GetString(bytes.AsSpan(0, Math.Min(bytes.Length, 300)))).Append('\n');
        await _stream.WriteAsync(bytes, TestContext.Current.CancellationToken);
        await _stream.FlushAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>One line without CRLF; null when the server closed the connection.</summary>
    public async Task<string?> ReadLineAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var line = new List<byte>();
        while (true)
        {
            if (_pending.Length == 0)
            {
                var buffer = new byte[8192];
                var read = await _stream.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                    return line.Count == 0 ? null : Encoding.UTF8.GetString([.. line]);
                _pending = buffer[..read];
            }
            var lf = Array.IndexOf(_pending, (byte)'\n');
            if (lf < 0)
            {
                line.AddRange(_pending);
                _pending = [];
                continue;
            }
            line.AddRange(_pending[..lf]);
            _pending = _pending[(lf + 1)..];
            var text = Encoding.UTF8.GetString([.. line]).TrimEnd('\r');
            _transcript.Append("S: ").Append(text).Append('\n');
            return text;
        }
    }

    /// <summary>Reads lines up to and including the one starting with <paramref name="prefix"/> (a tag or "+").</summary>
    public async Task<List<string>> ReadUntilAsync(string prefix)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new IOException("Connection closed.\n" + Transcript);
            lines.Add(line);
            if (line.StartsWith(prefix, StringComparison.Ordinal))
                return lines;
        }
    }

    /// <summary>Sends a tagged command and returns every line up to its tagged answer, the answer last.</summary>
    public async Task<List<string>> CommandAsync(string tag, string command)
    {
        await SendAsync($"{tag} {command}\r\n");
        return await ReadUntilAsync(tag + " ");
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}
