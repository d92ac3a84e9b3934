using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace RestMail.Tests.Smtp;

/// <summary>
/// A bare SMTP client over a real socket for protocol edges: sends exact bytes and reads whole
/// (multi-line) replies. Optionally binds a chosen loopback source address so that per-IP limits
/// in one test do not affect the others.
/// </summary>
public sealed class RawSmtpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly RemoteCertificateValidationCallback _validate;
    private Stream _stream;
    private readonly List<byte> _pending = [];

    private RawSmtpClient(Socket socket, Stream stream, RemoteCertificateValidationCallback validate)
    {
        _validate = validate;
        _socket = socket;
        _stream = stream;
    }

    public static async Task<RawSmtpClient> ConnectAsync(IPEndPoint server, RemoteCertificateValidationCallback validate, IPAddress? source = null, bool implicitTls = false)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (source is not null)
            socket.Bind(new IPEndPoint(source, 0));
        await socket.ConnectAsync(server, TestContext.Current.CancellationToken);
        var client = new RawSmtpClient(socket, new NetworkStream(socket, ownsSocket: true), validate);
        if (implicitTls)
            await client.HandshakeAsync();
        return client;
    }

    public async Task HandshakeAsync()
    {
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false, _validate);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = SmtpServer.Hostname }, TestContext.Current.CancellationToken);
        _stream = ssl;
    }

    public async Task SendAsync(string text) => await SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes, TestContext.Current.CancellationToken);
        await _stream.FlushAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Reads one complete reply (all its lines) and returns it without the final CRLF.</summary>
    public async Task<string> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new IOException("Connection closed; replies so far: " + string.Join(" | ", lines));
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
                return string.Join("\n", lines);
        }
    }

    /// <summary>Sends a command line and returns the reply.</summary>
    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    /// <summary>True when the server closed the connection (reads end of stream).</summary>
    public async Task<bool> IsClosedAsync()
    {
        try
        {
            return await ReadLineAsync() is null;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private async Task<string?> ReadLineAsync()
    {
        var buffer = new byte[1];
        while (true)
        {
            var newline = _pending.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = Encoding.UTF8.GetString(_pending.GetRange(0, newline).ToArray()).TrimEnd('\r');
                _pending.RemoveRange(0, newline + 1);
                return line;
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            var read = await _stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
                return null;
            _pending.Add(buffer[0]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _socket.Dispose();
    }
}
