using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using RestMail.Storage.Accounts;

namespace RestMail.Gateways.Imap;

/// <summary>
/// One IMAP connection: assembles commands (lines and literals) from a pipe over the socket (or the
/// TLS stream after STARTTLS), runs them one at a time and answers into the pipe's writer, flushing
/// once per batch of pipelined commands. A malformed command is answered BAD and the session goes on;
/// too many of them, an idle timeout or an oversized non-synchronising literal end it with BYE.
/// </summary>
public sealed partial class ImapSession : IMailSession
{
    private readonly ImapGateway _gateway;
    private readonly ImapEndpointKind _kind;
    private readonly IPAddress _remote;
    private readonly ImapCommandFramer _framer;
    private readonly ImapResponseWriter _out;
    private Stream _stream;
    private PipeReader _reader = null!;
    private PipeWriter _writer = null!;
    private bool _tls;
    private int _errors;
    private SessionState _state = SessionState.NotAuthenticated;
    private AccountCredentials? _account;

    private enum SessionState
    {
        NotAuthenticated,
        Authenticated,
        Selected,
    }

    private enum Next
    {
        Continue,
        Close,
        StartTls,
        Compress,
    }

    public ImapSession(ImapGateway gateway, ImapEndpointKind kind, Socket socket)
    {
        _gateway = gateway;
        _kind = kind;
        _remote = socket.RemoteEndPoint is IPEndPoint ip ? (ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address) : IPAddress.None;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _framer = new ImapCommandFramer(gateway.Options.MaxLineLength, LiteralLimit);
        _out = new ImapResponseWriter(new ArrayBufferWriter<byte>());
    }

    private ImapOptions Options => _gateway.Options;

    private long AccountId => _account?.Id ?? throw new InvalidOperationException("Not authenticated.");

    /// <summary>APPEND carries whole messages; every other literal is a name, a password or a search string.</summary>
    private long LiteralLimit(string command) => command is "APPEND" ? Options.AppendLimit : Options.MaxLiteralSize;

    public async Task RunAsync(CancellationToken shutdown)
    {
        var reason = "closed";
        if (!_gateway.Connections.TryAcquire(_remote, Options.MaxConnectionsPerIp))
        {
            if (_kind == ImapEndpointKind.StartTls)
                await TryWriteAndCloseAsync("* BYE [UNAVAILABLE] Too many connections from your address\r\n"u8.ToArray(), shutdown);
            Log.ImapSessionEnded(_gateway.Logger, _remote, "too many connections");
            return;
        }
        try
        {
            if (_kind == ImapEndpointKind.ImplicitTls && !await UpgradeToTlsAsync(shutdown))
                return;
            OpenPipes();
            if (_gateway.AuthThrottle.IsBanned(_remote))
            {
                _out.Raw("* BYE [UNAVAILABLE] Too many failed logins; try again later\r\n");
                await FlushAsync(shutdown);
                reason = "banned";
                return;
            }
            _gateway.Metrics.SessionStarted(_kind);
            // RFC 9051 §7.1.1: the greeting may carry the capabilities, saving a round trip.
            _out.Raw("* OK [CAPABILITY ").Raw(Capabilities()).Raw("] REST Mail IMAP ready\r\n");
            await FlushAsync(shutdown);
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
            Log.ImapSessionFailed(_gateway.Logger, e, _remote);
        }
        finally
        {
            await StopWatchingAsync();
            _gateway.Connections.Release(_remote);
            Log.ImapSessionEnded(_gateway.Logger, _remote, reason);
        }
    }

    private async Task TryWriteAndCloseAsync(byte[] bytes, CancellationToken shutdown)
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

    private async Task<string> CommandLoopAsync(CancellationToken shutdown)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        while (true)
        {
            idle.CancelAfter(Options.IdleTimeout);
            var read = _reader.ReadAsync(idle.Token).AsTask();
            ReadResult result;
            try
            {
                if (_idleTag is not null)
                    await WaitWhileIdlingAsync(read, idle.Token);
                result = await read;
            }
            catch (OperationCanceledException)
            {
                // RFC 9051 §5.4: the autologout timer; BYE before closing.
                _out.Raw(shutdown.IsCancellationRequested ? "* BYE Server shutting down\r\n" : "* BYE Autologout; idle for too long\r\n");
                await FlushAsync(CancellationToken.None);
                return shutdown.IsCancellationRequested ? "shutdown" : "idle timeout";
            }
            if (!idle.TryReset())
                return "idle timeout";

            var buffer = result.Buffer;
            var next = Next.Continue;
            while (next == Next.Continue)
            {
                var status = _framer.TryRead(ref buffer);
                if (status == FrameStatus.NeedMore)
                    break;
                switch (status)
                {
                    case FrameStatus.SendContinuation:
                        // RFC 9051 §7.5: the client waits for this before sending the literal.
                        _out.Raw("+ Ready for literal data\r\n");
                        await FlushAsync(shutdown);
                        continue;
                    case FrameStatus.LineTooLong:
                        next = Bad(_framer.Tag, "[TOOBIG] Command line too long");
                        break;
                    case FrameStatus.LiteralRefused:
                        // RFC 7889 §4 / RFC 4469: a literal we will not take is refused before it is sent.
                        if (_framer.CommandName == "APPEND")
                            Tagged(_framer.Tag, "NO", "[TOOBIG] Message larger than APPENDLIMIT");
                        else
                            next = Bad(_framer.Tag, "[TOOBIG] Literal too large");
                        break;
                    case FrameStatus.NonSyncLiteralTooLarge:
                        // RFC 7888 §4: its octets are already on the way and cannot be told apart
                        // from commands; the only safe answer is to close.
                        _out.Raw("* BYE [TOOBIG] Non-synchronising literal too large\r\n");
                        next = Next.Close;
                        break;
                    default:
                        next = await HandleCommandAsync(_framer.Command, shutdown);
                        break;
                }
                _framer.Reset();
            }

            if (next == Next.StartTls)
            {
                // RFC 9051 §6.2.1 (and the STARTTLS command-injection attack): anything pipelined
                // after STARTTLS is discarded, never read as a command inside TLS.
                _reader.AdvanceTo(buffer.End);
                await FlushAsync(shutdown);
                await _reader.CompleteAsync();
                await _writer.CompleteAsync();
                if (!await UpgradeToTlsAsync(shutdown))
                    return "TLS handshake failed";
                OpenPipes();
                continue;
            }
            if (next == Next.Compress)
            {
                // RFC 4978 §3: the client waits for the OK before it compresses; bytes already here
                // would be compressed data read as plain, so such a client is cut off.
                var early = !buffer.IsEmpty;
                _reader.AdvanceTo(buffer.End);
                if (early)
                    _out.Raw("* BYE Data sent before COMPRESS completed\r\n");
                await FlushAsync(shutdown);
                if (early)
                    return "data before COMPRESS completed";
                await _reader.CompleteAsync();
                await _writer.CompleteAsync();
                _compressed = true;
                OpenPipes();
                continue;
            }
            _reader.AdvanceTo(buffer.Start, buffer.End);
            await FlushAsync(shutdown);
            if (next == Next.Close)
                return "closed by server";
            if (result.IsCompleted)
                return "client closed";
        }
    }

    private async Task<Next> HandleCommandAsync(ReadOnlyMemory<byte> command, CancellationToken ct)
    {
        if (_idleTag is not null)
            return await HandleIdleLineAsync(command, ct);
        if (_saslTag is not null)
            return await HandleSaslLineAsync(command, ct);
        var reader = new ImapReader(command, Options.MaxNestingDepth);
        string tag;
        string name;
        try
        {
            tag = reader.ReadTag();
            reader.ExpectSpace();
            name = reader.ReadKeyword();
        }
        catch (ImapParseException)
        {
            return Bad(_framer.Tag, "Missing tag or command");
        }
        var uid = false;
        if (name == "UID")
        {
            uid = true;
            try
            {
                reader.ExpectSpace();
                name = reader.ReadKeyword();
            }
            catch (ImapParseException e)
            {
                return Bad(tag, e.Message);
            }
        }
        try
        {
            var next = await DispatchAsync(tag, name, uid, reader, ct);
            _gateway.Metrics.CommandCompleted(name, "done");
            return next;
        }
        catch (ImapParseException e)
        {
            _gateway.Metrics.CommandCompleted(name, "BAD");
            return Bad(tag, e.Message);
        }
        catch (Exception e) when (e is not (OperationCanceledException or IOException or ObjectDisposedException))
        {
            // Not the client's fault: say so and keep the session (RFC 9051 §7.1: [SERVERBUG]).
            Log.ImapCommandFailed(_gateway.Logger, e, name, _remote);
            Tagged(tag, "NO", "[SERVERBUG] Internal error; try again");
            return Next.Continue;
        }
    }

    private Task<Next> DispatchAsync(string tag, string name, bool uid, ImapReader reader, CancellationToken ct)
    {
        // Any state (RFC 9051 §6.1).
        switch (name)
        {
            case "CAPABILITY":
                return Done(tag, CapabilityCommand(reader));
            case "NOOP":
                return NoopAsync(tag, reader, ct);
            case "LOGOUT":
                reader.ExpectEnd();
                _out.Raw("* BYE REST Mail IMAP logging out\r\n");
                Tagged(tag, "OK", "LOGOUT completed");
                return Task.FromResult(Next.Close);
            case "ID":
                return Done(tag, IdCommand(reader));
        }
        if (_state == SessionState.NotAuthenticated)
        {
            return name switch
            {
                "STARTTLS" => Task.FromResult(StartTls(tag, reader)),
                "LOGIN" => LoginAsync(tag, reader, ct),
                "AUTHENTICATE" => AuthenticateAsync(tag, reader, ct),
                _ => Task.FromResult(Bad(tag, name is "SELECT" or "EXAMINE" or "LIST" or "FETCH" ? "Log in first" : "Unknown command or not allowed before login")),
            };
        }
        if (!uid)
        {
            switch (name)
            {
                case "ENABLE":
                    return Done(tag, EnableCommand(reader));
                case "COMPRESS":
                    return Task.FromResult(Compress(tag, reader));
                case "NAMESPACE":
                    reader.ExpectEnd();
                    // RFC 2342: one personal namespace, no prefix, "/" as the hierarchy delimiter.
                    _out.Raw("* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n");
                    return Done(tag, "OK", "NAMESPACE completed");
                case "LIST":
                    return ListAsync(tag, reader, lsub: false, ct);
                case "LSUB":
                    return ListAsync(tag, reader, lsub: true, ct);
                case "STATUS":
                    return StatusAsync(tag, reader, ct);
                case "SELECT":
                    return SelectAsync(tag, reader, readOnly: false, ct);
                case "EXAMINE":
                    return SelectAsync(tag, reader, readOnly: true, ct);
                case "CREATE":
                    return CreateAsync(tag, reader, ct);
                case "DELETE":
                    return DeleteAsync(tag, reader, ct);
                case "RENAME":
                    return RenameAsync(tag, reader, ct);
                case "SUBSCRIBE":
                    return SubscribeAsync(tag, reader, subscribe: true, ct);
                case "UNSUBSCRIBE":
                    return SubscribeAsync(tag, reader, subscribe: false, ct);
                case "APPEND":
                    return AppendAsync(tag, reader, ct);
                case "IDLE":
                    return StartIdleAsync(tag, reader, ct);
                case "GETQUOTAROOT":
                    return GetQuotaRootAsync(tag, reader, ct);
                case "GETQUOTA":
                    return GetQuotaAsync(tag, reader, ct);
            }
        }
        if (_state != SessionState.Selected || _selected is null)
        {
            return Task.FromResult(name is "CLOSE" or "UNSELECT" or "EXPUNGE" or "FETCH" or "STORE" or "COPY" or "MOVE" or "SEARCH" or "SORT" or "THREAD" or "CHECK"
                ? Bad(tag, "No mailbox selected")
                : Bad(tag, "Unknown command"));
        }
        return (name, uid) switch
        {
            ("CHECK", false) => NoopAsync(tag, reader, ct),
            ("CLOSE", false) => CloseAsync(tag, reader, expunge: true, ct),
            ("UNSELECT", false) => CloseAsync(tag, reader, expunge: false, ct),
            ("EXPUNGE", _) => ExpungeAsync(tag, reader, uid, ct),
            ("FETCH", _) => FetchAsync(tag, reader, uid, ct),
            ("STORE", _) => StoreAsync(tag, reader, uid, ct),
            ("COPY", _) => CopyAsync(tag, reader, uid, move: false, ct),
            ("MOVE", _) => CopyAsync(tag, reader, uid, move: true, ct),
            ("SEARCH", _) => SearchAsync(tag, reader, uid, ct),
            ("SORT", _) => SortAsync(tag, reader, uid, ct),
            ("THREAD", _) => ThreadAsync(tag, reader, uid, ct),
            _ => Task.FromResult(Bad(tag, "Unknown command")),
        };
    }

    private Task<Next> Done(string tag, (string Status, string Text) result) => Done(tag, result.Status, result.Text);

    private Task<Next> Done(string tag, string status, string text)
    {
        Tagged(tag, status, text);
        return Task.FromResult(Next.Continue);
    }

    private void Tagged(string tag, string status, string text) => _out.Raw(tag).Raw(" ").Raw(status).Raw(" ").Raw(text).Line();

    /// <summary>BAD; too many in one session end it (a client that only sends garbage).</summary>
    private Next Bad(string tag, string text)
    {
        Tagged(tag, "BAD", text);
        if (++_errors < Options.MaxErrors)
            return Next.Continue;
        _out.Raw("* BYE Too many errors\r\n");
        return Next.Close;
    }

    /// <summary>Flushes the responses; a client that stops reading them is cut off after the idle timeout.</summary>
    private async Task FlushAsync(CancellationToken shutdown)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        deadline.CancelAfter(Options.IdleTimeout);
        try
        {
            await _writer.FlushAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!shutdown.IsCancellationRequested)
        {
            throw new IOException("The client did not read its responses in time.");
        }
    }

    private void OpenPipes()
    {
        var (input, output) = PipeStreams();
        // The connection stream outlives the pipes (STARTTLS and COMPRESS replace them); DEFLATE
        // wrappers belong to theirs.
        _reader = PipeReader.Create(input, new StreamPipeReaderOptions(leaveOpen: !_compressed));
        _writer = PipeWriter.Create(output, new StreamPipeWriterOptions(leaveOpen: !_compressed));
        _out.SetOutput(_writer);
    }

    private async Task<bool> UpgradeToTlsAsync(CancellationToken shutdown)
    {
        if (await _gateway.Certificate.AuthenticateAsServerAsync(_stream, TimeSpan.FromMinutes(1), shutdown) is not { } ssl)
            return false;
        _stream = ssl;
        _tls = true;
        _framer.ResetAll();
        return true;
    }

    private static string Ascii(ReadOnlySpan<byte> bytes) => Encoding.ASCII.GetString(bytes);

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
