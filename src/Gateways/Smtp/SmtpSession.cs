using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using RestMail.Storage.Accounts;

namespace RestMail.Gateways.Smtp;

/// <summary>
/// One SMTP connection: reads command lines and message data from a pipe over the socket (or the
/// TLS stream once STARTTLS ran), answers into the pipe's writer and flushes once per batch of
/// pipelined commands (RFC 2920). Command errors answer and keep the connection; protocol violations
/// (too many errors, idle timeout, an unreadable BDAT size) close it.
/// </summary>
public sealed partial class SmtpSession : IMailSession
{
    /// <summary>RFC 5321 §4.5.3.1.4: a command line is at most 512 octets including CRLF.</summary>
    public const int MaxCommandLine = 512;

    /// <summary>RFC 4954 §4: a SASL response line may be up to 12288 octets.</summary>
    public const int MaxAuthLine = 12288;

    private readonly SmtpGateway _gateway;
    private readonly SmtpEndpointKind _kind;
    private readonly IPAddress _remote;
    private readonly SmtpLineReader _lines = new();
    private readonly SmtpDataReader _data = new();
    private Stream _stream;
    private PipeReader _reader = null!;
    private PipeWriter _writer = null!;
    private bool _tls;
    private int _errors;
    private Mode _mode;

    private enum Mode
    {
        Command,
        Data,
        Chunk,
    }

    private enum Next
    {
        Continue,
        Close,
        StartTls,
    }

    public SmtpSession(SmtpGateway gateway, SmtpEndpointKind kind, Socket socket)
    {
        _gateway = gateway;
        _kind = kind;
        _remote = socket.RemoteEndPoint is IPEndPoint ip ? (ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address) : IPAddress.None;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    private SmtpOptions Options => _gateway.Options;

    private SmtpGreetings Greetings => _gateway.Greetings;

    private bool RequiresAuthentication => _kind != SmtpEndpointKind.Mx;

    public async Task RunAsync(CancellationToken shutdown)
    {
        var reason = "closed";
        if (!_gateway.Connections.TryAcquire(_remote, Options.MaxConnectionsPerIp))
        {
            // RFC 5321 §3.1: 421 instead of the greeting; on the implicit-TLS port there is no plaintext to answer in.
            if (_kind != SmtpEndpointKind.Submissions)
            {
                try
                {
                    await _stream.WriteAsync(Greetings.TooManyConnections.Bytes.ToArray(), shutdown);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException)
                {
                    // Gone already.
                }
            }
            Log.SmtpSessionEnded(_gateway.Logger, _remote, "too many connections");
            return;
        }
        try
        {
            if (_kind == SmtpEndpointKind.Submissions && !await UpgradeToTlsAsync(shutdown))
                return;
            OpenPipes();
            if (_gateway.AuthThrottle.IsBanned(_remote))
            {
                Reply(Greetings.Banned);
                await FlushWithinAsync(Options.IdleTimeout, shutdown);
                reason = "banned";
                return;
            }
            _gateway.Metrics.SessionStarted(_kind);
            Reply(Greetings.Banner);
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
            Log.SmtpSessionFailed(_gateway.Logger, e, _remote);
        }
        finally
        {
            _gateway.Connections.Release(_remote);
            Log.SmtpSessionEnded(_gateway.Logger, _remote, reason);
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
            catch (OperationCanceledException)
            {
                // RFC 5321 §4.5.3.2.7 timeouts; §3.8: answer 421 before closing.
                Reply(shutdown.IsCancellationRequested ? Greetings.ShuttingDown : Greetings.IdleTimeout);
                await FlushWithinAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
                return shutdown.IsCancellationRequested ? "shutdown" : "idle timeout";
            }
            if (!idle.TryReset())
                return "idle timeout";

            var buffer = result.Buffer;
            var next = Next.Continue;
            while (next == Next.Continue)
            {
                if (_mode == Mode.Data)
                {
                    if (!_data.Process(ref buffer))
                        break;
                    _mode = Mode.Command;
                    await FinishDataAsync(shutdown);
                    continue;
                }
                if (_mode == Mode.Chunk)
                {
                    if (!ConsumeChunk(ref buffer))
                        break;
                    _mode = Mode.Command;
                    next = await FinishChunkAsync(shutdown);
                    continue;
                }

                var status = _lines.TryRead(ref buffer, _sasl == SaslStep.None ? MaxCommandLine : MaxAuthLine, out var line);
                if (status == LineStatus.NeedMore)
                    break;
                if (status == LineStatus.TooLong)
                {
                    _sasl = SaslStep.None;
                    next = Error(SmtpReplies.LineTooLong);
                }
                else if (_sasl != SaslStep.None)
                {
                    next = await HandleSaslResponseAsync(Encoding.ASCII.GetString(line).Trim(), shutdown);
                }
                else
                {
                    next = await HandleCommandAsync(SmtpCommand.Parse(line), shutdown);
                }
            }

            if (next == Next.StartTls)
            {
                // RFC 3207 §4.2: anything the client pipelined after STARTTLS is discarded, never
                // read as a command inside the TLS session (the command-injection attack).
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
                return _mode == Mode.Command && _transaction is null ? "client closed" : "client vanished mid-transaction";
        }
    }

    /// <summary>
    /// Flushes the replies; a client that stops reading them (the socket buffer stays full) is cut
    /// off after the timeout instead of holding the session forever.
    /// </summary>
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
            throw new IOException("The client did not read its replies in time.");
        }
    }

    private Next Error(SmtpReply reply)
    {
        Reply(reply);
        if (++_errors < Options.MaxErrors)
            return Next.Continue;
        Reply(Greetings.TooManyErrors);
        return Next.Close;
    }

    private void Reply(SmtpReply reply) => reply.WriteTo(_writer);

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
        // RFC 3207 §4.2: the server forgets everything it learned from the client before TLS.
        _helo = null;
        _esmtp = false;
        _account = null;
        _sasl = SaslStep.None;
        _lines.Reset();
        ResetTransaction();
        return true;
    }

    private AccountCredentials? _account;

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
