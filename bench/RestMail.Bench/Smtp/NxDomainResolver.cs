using System.Net;
using System.Net.Sockets;

namespace RestMail.Bench.Smtp;

/// <summary>
/// A DNS server on 127.0.0.1 that answers every query at once with NXDOMAIN: it stands in for the
/// local caching resolver a mail server has, so the inbound checks (SPF, DMARC) of the benchmark's
/// made-up sender domains cost a round trip each, not a timeout against a resolver this machine cannot reach.
/// </summary>
internal sealed class NxDomainResolver : IDisposable
{
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource _stop = new();

    public NxDomainResolver() => _ = ServeAsync();

    public int Port => ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult query;
            try
            {
                query = await _udp.ReceiveAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            if (query.Buffer.Length < 12)
                continue;
            // RFC 1035 §4.1.1: same id and question; QR=1, RD copied, RA=1, RCODE=3; no answers.
            var reply = (byte[])query.Buffer.Clone();
            reply[2] = (byte)(0x80 | (query.Buffer[2] & 0x01));
            reply[3] = 0x83;
            reply[6] = reply[7] = reply[8] = reply[9] = reply[10] = reply[11] = 0;
            await _udp.SendAsync(reply, query.RemoteEndPoint, _stop.Token);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _udp.Dispose();
        _stop.Dispose();
    }
}
