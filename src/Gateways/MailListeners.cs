using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RestMail.Gateways.Tls;
using RestMail.Storage.Hosting;

namespace RestMail.Gateways;

/// <summary>One client connection of a mail protocol: runs until the client leaves or the server stops.</summary>
public interface IMailSession : IAsyncDisposable
{
    Task RunAsync(CancellationToken shutdown);
}

/// <summary>
/// The listeners of one mail protocol (SMTP, IMAP, POP3): binds the enabled ones at start, marks each
/// ready in <see cref="IListenerReadiness"/> once bound, and runs a session per connection. On stop,
/// the listeners close and open sessions are cancelled (each protocol says goodbye its own way).
/// </summary>
/// <typeparam name="TKind">What the subclass needs to know about a listener to make its sessions.</typeparam>
public abstract class MailListeners<TKind> : IHostedService, IAsyncDisposable
{
    private readonly string _protocol;
    private readonly IListenerReadiness _readiness;
    private readonly ServerCertificate _certificate;
    private readonly ILogger _logger;
    private readonly List<(string Name, TKind Kind, ListenerOptions Options)> _configured = [];
    private readonly List<(string Name, Socket Socket, Task Accepting)> _bound = [];
    private readonly ConcurrentDictionary<IMailSession, Task> _sessions = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, IPEndPoint> _endpoints = new(StringComparer.Ordinal);

    protected MailListeners(string protocol, IListenerReadiness readiness, ServerCertificate certificate, ILogger logger)
    {
        (_protocol, _readiness, _certificate, _logger) = (protocol, readiness, certificate, logger);
    }

    /// <summary>Where each bound listener accepts connections (port 0 resolved), by readiness name.</summary>
    public IReadOnlyDictionary<string, IPEndPoint> EndPoints => _endpoints;

    /// <summary>Registers a listener (when enabled) under its readiness name.</summary>
    protected void Add(string name, TKind kind, ListenerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
            return;
        _configured.Add((name, kind, options));
        _readiness.Register(name);
    }

    /// <summary>The protocol's session for a connection accepted on a listener of this kind.</summary>
    protected abstract IMailSession CreateSession(TKind kind, Socket client);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Loaded (or generated) now: a bad certificate path fails the start, not the first client,
        // and the first handshake does not pay for generating a key.
        if (_configured.Count > 0)
            _ = _certificate.Certificate;
        foreach (var (name, kind, options) in _configured)
        {
            var endPoint = new IPEndPoint(IPAddress.Parse(options.Address), options.Port);
            var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(endPoint);
                socket.Listen(512);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                Log.ListenerBindFailed(_logger, e, _protocol, name, options.Address, options.Port);
                throw;
            }
            var bound = (IPEndPoint)socket.LocalEndPoint!;
            _endpoints[name] = bound;
            _bound.Add((name, socket, AcceptLoopAsync(socket, kind)));
            _readiness.SetReady(name, true);
            Log.ListenerListening(_logger, _protocol, name, bound);
        }
        return Task.CompletedTask;
    }

    private async Task AcceptLoopAsync(Socket listener, TKind kind)
    {
        await Task.Yield();
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            client.NoDelay = true;
            var session = CreateSession(kind, client);
            _sessions[session] = RunSessionAsync(session);
        }
    }

    private async Task RunSessionAsync(IMailSession session)
    {
        await Task.Yield();
        try
        {
            await session.RunAsync(_stopping.Token);
        }
        finally
        {
            await session.DisposeAsync();
            _sessions.TryRemove(session, out _);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var (name, socket, _) in _bound)
        {
            _readiness.SetReady(name, false);
            socket.Dispose();
        }
        await _stopping.CancelAsync();
        await Task.WhenAll(_bound.Select(b => b.Accepting)).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Task.WhenAll(_sessions.Values).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _bound.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        foreach (var (_, socket, _) in _bound)
            socket.Dispose();
        if (!_stopping.IsCancellationRequested)
            await _stopping.CancelAsync();
        _stopping.Dispose();
    }
}
