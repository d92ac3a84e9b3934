using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RestMail.Storage.Hosting;

namespace RestMail.Gateways.Pop3;

/// <summary>
/// Binds the POP3 (STLS, RestMail:Pop3) and POP3S (implicit TLS, RestMail:Pop3s) listeners that are
/// enabled, marks each ready in <see cref="IListenerReadiness"/> once bound, and runs a session per
/// connection. On stop the listeners close and open sessions are cancelled: nothing is deleted
/// (RFC 1939 §6: only QUIT enters the UPDATE state).
/// </summary>
public sealed class Pop3Listeners : IHostedService, IAsyncDisposable
{
    /// <summary>The readiness names of the two listeners.</summary>
    public const string Pop3Name = "pop3", Pop3sName = "pop3s";

    private readonly Pop3Gateway _gateway;
    private readonly IListenerReadiness _readiness;
    private readonly List<(string Name, bool ImplicitTls, ListenerOptions Options)> _configured = [];
    private readonly List<(string Name, Socket Socket, Task Accepting)> _bound = [];
    private readonly ConcurrentDictionary<Pop3Session, Task> _sessions = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, IPEndPoint> _endpoints = new(StringComparer.Ordinal);

    public Pop3Listeners(Pop3Gateway gateway, IListenerReadiness readiness, IOptions<RestMailOptions> options)
    {
        _gateway = gateway;
        _readiness = readiness;
        Add(Pop3Name, implicitTls: false, options.Value.Pop3);
        Add(Pop3sName, implicitTls: true, options.Value.Pop3s);
    }

    /// <summary>Where each bound listener accepts connections (port 0 resolved), by readiness name.</summary>
    public IReadOnlyDictionary<string, IPEndPoint> EndPoints => _endpoints;

    private void Add(string name, bool implicitTls, ListenerOptions options)
    {
        if (!options.Enabled)
            return;
        _configured.Add((name, implicitTls, options));
        _readiness.Register(name);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Loaded (or generated) now, so a bad certificate path fails the start, not the first client.
        if (_configured.Count > 0)
            _ = _gateway.Certificate.Certificate;
        foreach (var (name, implicitTls, options) in _configured)
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
                Log.Pop3BindFailed(_gateway.Logger, e, name, options.Address, options.Port);
                throw;
            }
            var bound = (IPEndPoint)socket.LocalEndPoint!;
            _endpoints[name] = bound;
            _bound.Add((name, socket, AcceptLoopAsync(socket, name, implicitTls)));
            _readiness.SetReady(name, true);
            Log.Pop3Listening(_gateway.Logger, name, bound);
        }
        return Task.CompletedTask;
    }

    private async Task AcceptLoopAsync(Socket listener, string name, bool implicitTls)
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
            var session = new Pop3Session(_gateway, name, implicitTls, client);
            _sessions[session] = RunSessionAsync(session);
        }
    }

    private async Task RunSessionAsync(Pop3Session session)
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
        foreach (var (_, socket, _) in _bound)
            socket.Dispose();
        if (!_stopping.IsCancellationRequested)
            await _stopping.CancelAsync();
        _stopping.Dispose();
    }
}
