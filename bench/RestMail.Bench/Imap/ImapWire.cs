using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RestMail.Bench.Imap;

/// <summary>
/// A bare IMAP client on a socket, the same code against both servers: sends a command, reads the
/// responses up to its tagged completion (literals skipped by their announced size, RFC 9051 §4.3)
/// and counts what came back. Cheap enough to hold a thousand of them in IDLE.
/// </summary>
internal sealed class ImapWire : IAsyncDisposable
{
    private readonly Socket _socket;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private int _tag;

    private ImapWire(Socket socket, int bufferSize)
    {
        _socket = socket;
        _buffer = new byte[bufferSize];
    }

    /// <summary>Connects and reads the greeting.</summary>
    public static async Task<ImapWire> ConnectAsync(int port, int bufferSize = 64 * 1024)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var wire = new ImapWire(socket, bufferSize);
        var greeting = await wire.ReadLineAsync();
        if (!greeting.StartsWith("* OK", StringComparison.Ordinal))
            throw new InvalidOperationException("Unexpected greeting: " + greeting);
        return wire;
    }

    public static async Task<ImapWire> LoginAsync(int port, string user, string password, int bufferSize = 64 * 1024)
    {
        var wire = await ConnectAsync(port, bufferSize);
        await wire.CommandAsync($"LOGIN {user} \"{password}\"");
        return wire;
    }

    /// <summary>Sends a command and reads to its tagged OK; returns the untagged lines and the literal octets received.</summary>
    public async Task<(int Untagged, long LiteralBytes, List<string> Lines)> CommandAsync(string command, bool keepLines = false)
    {
        var tag = "t" + (++_tag).ToString(CultureInfo.InvariantCulture);
        await SendAsync($"{tag} {command}\r\n");
        var untagged = 0;
        var literal = 0L;
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync();
            // A line ending in {n} announces n octets, after which the same response goes on.
            while (line.EndsWith('}') && line.LastIndexOf('{') is var open and >= 0
                && long.TryParse(line.AsSpan(open + 1, line.Length - open - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            {
                await SkipAsync(size);
                literal += size;
                line = await ReadLineAsync();
            }
            if (line.StartsWith("* ", StringComparison.Ordinal))
            {
                untagged++;
                if (keepLines)
                    lines.Add(line);
                continue;
            }
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                if (!line.AsSpan(tag.Length + 1).StartsWith("OK", StringComparison.Ordinal))
                    throw new InvalidOperationException($"{command} failed: {line}");
                return (untagged, literal, lines);
            }
        }
    }

    /// <summary>Starts IDLE (RFC 2177) and returns once the server said "+".</summary>
    public async Task IdleAsync()
    {
        var tag = "t" + (++_tag).ToString(CultureInfo.InvariantCulture);
        await SendAsync($"{tag} IDLE\r\n");
        string line;
        while (!(line = await ReadLineAsync()).StartsWith('+'))
        {
            if (!line.StartsWith("* ", StringComparison.Ordinal))
                throw new InvalidOperationException("IDLE refused: " + line);
        }
    }

    private async Task SendAsync(string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        var sent = 0;
        while (sent < bytes.Length)
            sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None);
    }

    private async Task<string> ReadLineAsync()
    {
        while (true)
        {
            var at = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (at >= 0)
            {
                var line = Encoding.UTF8.GetString(_buffer, _start, at);
                _start += at + 2;
                return line;
            }
            if (!await FillAsync())
                throw new IOException("The server closed the connection.");
        }
    }

    private async Task SkipAsync(long count)
    {
        while (count > 0)
        {
            if (_start == _end && !await FillAsync())
                throw new IOException("The server closed the connection.");
            var take = (int)Math.Min(count, _end - _start);
            _start += take;
            count -= take;
        }
    }

    private async Task<bool> FillAsync()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        // A SEARCH answer is one line however many numbers it holds.
        if (_end == _buffer.Length)
            Array.Resize(ref _buffer, _buffer.Length * 2);
        var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None);
        _end += read;
        return read > 0;
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
