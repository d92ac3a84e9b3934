using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using RestMail.Gateways.Smtp;

namespace RestMail.Gateways.Pop3;

/// <summary>
/// One POP3 connection (RFC 1939): reads command lines from a pipe over the socket (or the TLS stream
/// once STLS ran), answers into the pipe's writer and flushes once per batch of pipelined commands
/// (RFC 2449 §6.6). Command errors answer -ERR and keep the connection; too many of them, the idle
/// timeout or the end of the stream close it, and only QUIT deletes anything (RFC 1939 §6).
/// </summary>
public sealed partial class Pop3Session : IMailSession
{
    /// <summary>RFC 2449 §4: a command line is at most 255 octets including CRLF.</summary>
    public const int MaxCommandLine = 255;

    /// <summary>RFC 5034 §4: AUTH lines and SASL responses may be longer; 12288 as in RFC 4954. PASS too.</summary>
    public const int MaxAuthLine = 12288;

    private readonly Pop3Gateway _gateway;
    private readonly string _listener;
    private readonly bool _stlsListener;
    private readonly IPAddress _remote;
    private readonly SmtpLineReader _lines = new();
    private Stream _stream;
    private PipeReader _reader = null!;
    private PipeWriter _writer = null!;
    private bool _tls;
    private int _errors;

    private enum Next
    {
        Continue,
        Close,
        StartTls,
    }

    public Pop3Session(Pop3Gateway gateway, string listener, bool implicitTls, Socket socket)
    {
        _gateway = gateway;
        _listener = listener;
        _stlsListener = !implicitTls;
        _remote = socket.RemoteEndPoint is IPEndPoint ip ? (ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address) : IPAddress.None;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    private Pop3Options Options => _gateway.Options;

    public async Task RunAsync(CancellationToken shutdown)
    {
        var reason = "closed";
        if (!_gateway.Connections.TryAcquire(_remote, Options.MaxConnectionsPerIp))
        {
            // On the implicit-TLS port there is no plaintext to answer in: just close.
            if (_stlsListener)
                await TryWriteRawAsync(Pop3Replies.TooManyConnections, shutdown);
            Log.Pop3SessionEnded(_gateway.Logger, _remote, "too many connections");
            return;
        }
        try
        {
            if (!_stlsListener && !await UpgradeToTlsAsync(shutdown))
            {
                reason = "TLS handshake failed";
                return;
            }
            OpenPipes();
            if (_gateway.AuthThrottle.IsBanned(_remote))
            {
                Reply(Pop3Replies.LoginDelay);
                await FlushWithinAsync(Options.IdleTimeout, shutdown);
                reason = "banned";
                return;
            }
            _gateway.Metrics.SessionStarted(_listener);
            // RFC 1939 §4: the greeting. No APOP timestamp: APOP (MD5 of a shared secret) is not offered.
            ReplyLine($"+OK {_gateway.Hostname} POP3 server ready");
            await FlushWithinAsync(Options.IdleTimeout, shutdown);
            reason = await CommandLoopAsync(shutdown);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or AuthenticationException)
        {
            reason = e.GetType().Name;
        }
        catch (OperationCanceledException)
        {
            reason = "shutdown";
        }
        catch (Exception e)
        {
            Log.Pop3SessionFailed(_gateway.Logger, e, _remote);
        }
        finally
        {
            await CloseMaildropAsync();
            _gateway.Connections.Release(_remote);
            Log.Pop3SessionEnded(_gateway.Logger, _remote, reason);
        }
    }

    private async Task<string> CommandLoopAsync(CancellationToken shutdown)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        while (true)
        {
            ReadResult result;
            idle.CancelAfter(Options.IdleTimeout);
            try
            {
                result = await _reader.ReadAsync(idle.Token);
            }
            catch (OperationCanceledException) when (!shutdown.IsCancellationRequested)
            {
                // RFC 1939 §3: when the autologout timer expires the server closes the connection
                // without a response, and without entering the UPDATE state.
                return "idle timeout";
            }
            if (!idle.TryReset())
                return "idle timeout";

            var buffer = result.Buffer;
            var next = Next.Continue;
            while (next == Next.Continue)
            {
                var status = _lines.TryRead(ref buffer, MaxAuthLine, out var line);
                if (status == LineStatus.NeedMore)
                    break;
                if (status == LineStatus.TooLong)
                {
                    _saslPending = false;
                    next = Error(Pop3Replies.LineTooLong);
                }
                else if (_saslPending)
                {
                    _saslPending = false;
                    next = await SaslResponseAsync(Encoding.ASCII.GetString(line).Trim(), shutdown);
                }
                else
                {
                    var command = Pop3Command.Parse(line);
                    // AUTH (its initial response) and PASS (passwords may be up to 1024 characters)
                    // may exceed RFC 2449's 255 octets, up to MaxAuthLine.
                    next = line.Length + 2 > MaxCommandLine && command.Verb is not (Pop3Verb.Auth or Pop3Verb.Pass)
                        ? Error(Pop3Replies.LineTooLong)
                        : await HandleCommandAsync(command, shutdown);
                }
            }

            if (next == Next.StartTls)
            {
                // RFC 2595 §4 (as RFC 3207 §4.2): bytes pipelined after STLS are discarded, never read
                // as commands inside the TLS session.
                _reader.AdvanceTo(buffer.End);
                await FlushWithinAsync(Options.IdleTimeout, shutdown);
                await _reader.CompleteAsync();
                await _writer.CompleteAsync();
                if (!await UpgradeToTlsAsync(shutdown))
                    return "TLS handshake failed";
                OpenPipes();
                continue;
            }
            _reader.AdvanceTo(buffer.Start, buffer.End);
            await FlushWithinAsync(Options.IdleTimeout, shutdown);
            if (next == Next.Close)
                return "closed by server";
            if (result.IsCompleted)
                return _maildrop is null ? "client closed" : "client closed without QUIT; nothing deleted";
        }
    }

    /// <summary>Flushes the responses; a client that stops reading them is cut off after the timeout.</summary>
    private async Task FlushWithinAsync(TimeSpan timeout, CancellationToken shutdown)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        deadline.CancelAfter(timeout);
        try
        {
            await _writer.FlushAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!shutdown.IsCancellationRequested)
        {
            throw new IOException("The client did not read its responses in time.");
        }
    }

    /// <summary>Flushes in the middle of a batch once a lot is buffered (a pipelined run of RETRs).</summary>
    private async Task FlushIfLargeAsync(CancellationToken shutdown)
    {
        if (_writer.CanGetUnflushedBytes && _writer.UnflushedBytes >= 256 * 1024)
            await FlushWithinAsync(Options.IdleTimeout, shutdown);
    }

    private Next Error(byte[] reply)
    {
        Reply(reply);
        if (++_errors < Options.MaxErrors)
            return Next.Continue;
        Reply(Pop3Replies.TooManyErrors);
        return Next.Close;
    }

    private void Reply(byte[] reply) => _writer.Write(reply);

    private void ReplyLine(string text)
    {
        var span = _writer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length) + 2);
        var written = Encoding.UTF8.GetBytes(text, span);
        span[written++] = (byte)'\r';
        span[written++] = (byte)'\n';
        _writer.Advance(written);
    }

    private async Task TryWriteRawAsync(byte[] bytes, CancellationToken shutdown)
    {
        try
        {
            await _stream.WriteAsync(bytes, shutdown);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // Gone already.
        }
    }

    private void OpenPipes()
    {
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        _writer = PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));
    }

    private async Task<bool> UpgradeToTlsAsync(CancellationToken shutdown)
    {
        if (await _gateway.Certificate.AuthenticateAsServerAsync(_stream, Options.IdleTimeout, shutdown) is not { } ssl)
            return false;
        _stream = ssl;
        _tls = true;
        // RFC 2595 §4: the client must discard what it learned before TLS; the server forgets too.
        _user = null;
        _saslPending = false;
        _lines.Reset();
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_reader is not null)
                await _reader.CompleteAsync();
            if (_writer is not null)
                await _writer.CompleteAsync();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The client is gone; what was left unsent does not matter any more.
        }
        await _stream.DisposeAsync();
    }
}
