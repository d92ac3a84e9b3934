using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace RestMail.Tests.Pop3;

/// <summary>
/// A bare POP3 client over a real socket for protocol edges: sends exact bytes, reads single-line
/// and multi-line responses. Optionally binds a chosen loopback source address so that per-IP limits
/// in one test do not affect the others.
/// </summary>
public sealed class RawPop3Client : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly RemoteCertificateValidationCallback _validate;
    private readonly List<byte> _pending = [];
    private Stream _stream;

    private RawPop3Client(Socket socket, Stream stream, RemoteCertificateValidationCallback validate)
    {
        _socket = socket;
        _stream = stream;
        _validate = validate;
    }

    public static async Task<RawPop3Client> ConnectAsync(IPEndPoint server, RemoteCertificateValidationCallback validate, IPAddress? source = null, bool implicitTls = false)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (source is not null)
            socket.Bind(new IPEndPoint(source, 0));
        await socket.ConnectAsync(server, TestContext.Current.CancellationToken);
        var client = new RawPop3Client(socket, new NetworkStream(socket, ownsSocket: true), validate);
        if (implicitTls)
            await client.HandshakeAsync();
        return client;
    }

    public async Task HandshakeAsync()
    {
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false, _validate);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = Pop3Server.Hostname }, TestContext.Current.CancellationToken);
        _stream = ssl;
    }

    /// <summary>Connects, checks the greeting, upgrades with STLS and logs in with USER/PASS.</summary>
    public static async Task<RawPop3Client> LoginAsync(Pop3Server server, string user, string password = Infrastructure.ApiServer.Password, IPAddress? source = null)
    {
        var client = await ConnectAsync(server.Pop3, server.ValidateCertificate, source);
        Assert.StartsWith("+OK ", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Equal("+OK Begin TLS negotiation", await client.CommandAsync("STLS"));
        await client.HandshakeAsync();
        Assert.Equal("+OK Send PASS", await client.CommandAsync("USER " + user));
        Assert.StartsWith("+OK Maildrop has ", await client.CommandAsync("PASS " + password), StringComparison.Ordinal);
        return client;
    }

    public async Task SendAsync(string text) => await SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes, TestContext.Current.CancellationToken);
        await _stream.FlushAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Sends a command line and returns the (first line of the) response.</summary>
    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadLineAsync() ?? throw new IOException("Connection closed before a response to " + line.Split(' ')[0]);
    }

    /// <summary>The lines of a multi-line response body up to the terminating ".", still byte-stuffed.</summary>
    public async Task<List<string>> ReadBodyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new IOException("Connection closed inside a multi-line response");
            if (line == ".")
                return lines;
            lines.Add(line);
        }
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

    /// <summary>One line without its CRLF, or null at the end of the stream.</summary>
    public async Task<string?> ReadLineAsync()
    {
        var buffer = new byte[4096];
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
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            var read = await _stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
                return null;
            _pending.AddRange(buffer.AsSpan(0, read));
        }
    }

    /// <summary>Closes the socket without QUIT, as a client that crashed or lost its network would.</summary>
    public void Drop() => _socket.Close(0);

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _socket.Dispose();
    }
}
