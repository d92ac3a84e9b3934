using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DnsClient;

namespace RestMail.Tests.Infrastructure;

/// <summary>
/// A minimal authoritative DNS server on 127.0.0.1 (UDP) for the development resolver setting:
/// answers MX, A, AAAA, TXT and PTR from its tables, NXDOMAIN for names it was told do not exist,
/// SERVFAIL for names it was told are broken, nothing at all (the client times out) for names it
/// was told to ignore, and an empty answer otherwise.
/// </summary>
public sealed class TestDnsServer : IAsyncDisposable
{
    private const ushort TypeA = 1, TypePtr = 12, TypeMx = 15, TypeTxt = 16, TypeAaaa = 28;
    private readonly UdpClient _udp;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    /// <summary>On 127.0.0.1 and a port the system picks.</summary>
    public TestDnsServer()
        : this(new IPEndPoint(IPAddress.Loopback, 0))
    {
    }

    /// <summary>On the given address and port (e.g. a loopback address of its own and port 53, as root).</summary>
    public TestDnsServer(IPEndPoint endpoint)
    {
        _udp = new UdpClient(endpoint);
        _serving = ServeAsync();
    }

    public int Port => ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;

    /// <summary>The server as a RestMail:Dns:Servers entry.</summary>
    public string Endpoint => ((IPEndPoint)_udp.Client.LocalEndPoint!).ToString();

    /// <summary>Name → MX records (preference, exchange; "." is a null MX).</summary>
    public ConcurrentDictionary<string, (ushort Preference, string Exchange)[]> Mx { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Name → addresses (A and AAAA).</summary>
    public ConcurrentDictionary<string, IPAddress[]> Addresses { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Name → TXT records; a record longer than 255 octets is sent as several character-strings.</summary>
    public ConcurrentDictionary<string, string[]> Txt { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Reverse name (see <see cref="AddPtr"/>) → PTR names.</summary>
    public ConcurrentDictionary<string, string[]> Pointers { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Names answered with NXDOMAIN.</summary>
    public ConcurrentDictionary<string, bool> Missing { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Names answered with SERVFAIL.</summary>
    public ConcurrentDictionary<string, bool> Failing { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Names never answered: queries for them time out.</summary>
    public ConcurrentDictionary<string, bool> Silent { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Publishes a PTR record for the address.</summary>
    public void AddPtr(IPAddress address, params string[] names) => Pointers[address.GetArpaName().TrimEnd('.')] = names;

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
        if (Silent.ContainsKey(name))
            return null;

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
        else if (type is TypeA or TypeAaaa && Addresses.TryGetValue(name, out var addresses))
        {
            var family = type == TypeA ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
            answers.AddRange(addresses.Where(a => a.AddressFamily == family).Select(a => (type, a.GetAddressBytes())));
        }
        else if (type == TypeTxt && Txt.TryGetValue(name, out var texts))
        {
            answers.AddRange(texts.Select(t => (TypeTxt, EncodeText(t))));
        }
        else if (type == TypePtr && Pointers.TryGetValue(name, out var pointers))
        {
            answers.AddRange(pointers.Select(p => (TypePtr, EncodeName(p))));
        }

        var response = new List<byte>();
        response.AddRange(query.AsSpan(0, 2).ToArray());                          // ID
        var rcode = Failing.ContainsKey(name) ? 2 : Missing.ContainsKey(name) ? 3 : 0;
        if (rcode != 0)
            answers.Clear();
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

    /// <summary>TXT RDATA: one or more character-strings of at most 255 octets each (RFC 1035 §3.3.14).</summary>
    private static byte[] EncodeText(string text)
    {
        var raw = Encoding.UTF8.GetBytes(text);
        var bytes = new List<byte>();
        for (var start = 0; start < raw.Length || start == 0; start += 255)
        {
            var length = Math.Min(255, raw.Length - start);
            bytes.Add((byte)length);
            bytes.AddRange(raw.AsSpan(start, length).ToArray());
            if (raw.Length == 0)
                break;
        }
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
