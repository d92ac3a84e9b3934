using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RestMail.Tests.Outbound;

/// <summary>
/// A minimal authoritative DNS server on 127.0.0.1 (UDP) for the development resolver setting:
/// answers MX, A, AAAA and TXT from its tables, NXDOMAIN for names it was told do not exist, and an
/// empty answer otherwise.
/// </summary>
public sealed class TestDnsServer : IAsyncDisposable
{
    private const ushort TypeA = 1, TypeMx = 15, TypeTxt = 16, TypeAaaa = 28;
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    public TestDnsServer() => _serving = ServeAsync();

    public int Port => ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;

    /// <summary>Name → MX records (preference, exchange; "." is a null MX).</summary>
    public ConcurrentDictionary<string, (ushort Preference, string Exchange)[]> Mx { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Name → addresses (A and AAAA).</summary>
    public ConcurrentDictionary<string, IPAddress[]> Addresses { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Name → TXT records, each one value (split into 255-octet strings on the wire).</summary>
    public ConcurrentDictionary<string, string[]> Txt { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Names answered with NXDOMAIN.</summary>
    public ConcurrentDictionary<string, bool> Missing { get; } = new(StringComparer.OrdinalIgnoreCase);

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult request;
            try
            {
                request = await _udp.ReceiveAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            if (Answer(request.Buffer) is { } response)
                await _udp.SendAsync(response, request.RemoteEndPoint, _stop.Token);
        }
    }

    private byte[]? Answer(byte[] query)
    {
        if (query.Length < 17)
            return null;
        var labels = new List<string>();
        var offset = 12;
        while (query[offset] != 0)
        {
            labels.Add(Encoding.ASCII.GetString(query, offset + 1, query[offset]));
            offset += query[offset] + 1;
        }
        var name = string.Join('.', labels);
        var type = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(offset + 1));
        var questionEnd = offset + 5;

        var answers = new List<(ushort Type, byte[] Data)>();
        if (type == TypeMx && Mx.TryGetValue(name, out var mx))
        {
            foreach (var (preference, exchange) in mx)
            {
                var data = new List<byte> { (byte)(preference >> 8), (byte)preference };
                data.AddRange(EncodeName(exchange));
                answers.Add((TypeMx, [.. data]));
            }
        }
        else if (type == TypeTxt && Txt.TryGetValue(name, out var records))
        {
            foreach (var record in records)
            {
                var data = new List<byte>();
                foreach (var chunk in Encoding.ASCII.GetBytes(record).Chunk(255))
                {
                    data.Add((byte)chunk.Length);
                    data.AddRange(chunk);
                }
                answers.Add((TypeTxt, [.. data]));
            }
        }
        else if (type is TypeA or TypeAaaa && Addresses.TryGetValue(name, out var addresses))
        {
            var family = type == TypeA ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
            answers.AddRange(addresses.Where(a => a.AddressFamily == family).Select(a => (type, a.GetAddressBytes())));
        }

        var response = new List<byte>();
        response.AddRange(query.AsSpan(0, 2).ToArray());                          // ID
        var rcode = Missing.ContainsKey(name) ? 3 : 0;
        response.AddRange([(byte)(0x84 | (query[2] & 0x01)), (byte)(0x80 | rcode)]); // QR, AA, RD copied; RA; RCODE
        response.AddRange([0, 1, (byte)(answers.Count >> 8), (byte)answers.Count, 0, 0, 0, 0]);
        response.AddRange(query.AsSpan(12, questionEnd - 12).ToArray());
        foreach (var (answerType, data) in answers)
        {
            response.AddRange([0xC0, 12, (byte)(answerType >> 8), (byte)answerType, 0, 1, 0, 0, 0, 60, (byte)(data.Length >> 8), (byte)data.Length]);
            response.AddRange(data);
        }
        return [.. response];
    }

    private static byte[] EncodeName(string name)
    {
        var bytes = new List<byte>();
        foreach (var label in name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }
        bytes.Add(0);
        return [.. bytes];
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _udp.Dispose();
        await _serving;
        _stop.Dispose();
    }
}
