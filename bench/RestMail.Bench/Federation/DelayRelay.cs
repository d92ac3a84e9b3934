using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace RestMail.Bench.Federation;

/// <summary>
/// A TCP relay that adds a fixed one-way delay in both directions, standing in for a network with
/// a round trip of twice that delay. It exists because the kernel's netem qdisc, the exact tool, is
/// not available everywhere (some kernels are built without sch_netem). Data keeps its order and
/// its timing: each chunk read is written <see cref="_oneWay"/> later, without waiting for the
/// chunks before it to be written, so pipelined data is not serialised.
/// </summary>
/// <remarks>
/// The TCP handshake is emulated too: on a real network the server accepts a connection 1.5 round
/// trips after the client's connect started (SYN, SYN-ACK, ACK) and the client's first data arrives
/// then as well. Here the local connect returns at once, so the relay connects to the target only
/// after three one-way delays and holds the client's data until then; server-first protocols (SMTP's
/// greeting) and client-first ones (TLS) then see the same timeline as over the delayed network.
/// </remarks>
internal sealed class DelayRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly TimeSpan _oneWay;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public DelayRelay(IPEndPoint listen, IPEndPoint target, TimeSpan oneWay)
    {
        (_target, _oneWay) = (target, oneWay);
        _listener = new TcpListener(listen);
        _listener.Start(512);
        _accepting = AcceptAsync();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var server = new Socket(_target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using (client)
        {
            client.NoDelay = true;
            try
            {
                var opened = Stopwatch.GetTimestamp();
                var toServer = Pump(client, opened + Ticks(3 * _oneWay));
                await Task.Delay(3 * _oneWay, _stop.Token);
                await server.ConnectAsync(_target, _stop.Token);
                var toClient = Pump(server, 0);
                // Each side's end of stream is passed on as a shutdown; the connection ends when both have ended.
                await Task.WhenAll(Drain(toServer, server), Drain(toClient, client));
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                // The connection is gone; nothing to relay.
            }
        }
    }

    /// <summary>Reads from <paramref name="from"/> into a channel of (data, time it is due at the other end).</summary>
    private ChannelReader<(byte[]? Data, long Due)> Pump(Socket from, long notBefore)
    {
        var channel = Channel.CreateUnbounded<(byte[]?, long)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        _ = Task.Run(async () =>
        {
            var buffer = new byte[64 * 1024];
            try
            {
                int read;
                while ((read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
                    channel.Writer.TryWrite((buffer[..read], Math.Max(notBefore, Stopwatch.GetTimestamp() + Ticks(_oneWay))));
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                // Treated as the end of the stream.
            }
            channel.Writer.TryWrite((null, Math.Max(notBefore, Stopwatch.GetTimestamp() + Ticks(_oneWay))));
            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }

    /// <summary>Writes each chunk to <paramref name="to"/> when it is due; the end of the stream becomes a shutdown.</summary>
    private async Task Drain(ChannelReader<(byte[]? Data, long Due)> chunks, Socket to)
    {
        try
        {
            await foreach (var (data, due) in chunks.ReadAllAsync(_stop.Token))
            {
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero)
                    await Task.Delay(wait, _stop.Token);
                if (data is null)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }
                await to.SendAsync(data, SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // The other side went away.
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
