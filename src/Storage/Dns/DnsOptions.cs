using System.Net;

namespace RestMail.Storage.Dns;

/// <summary>
/// The "RestMail:Dns" section. <see cref="Servers"/> empty (the default) means the system resolver;
/// otherwise every DNS lookup (MX, A/AAAA for outbound delivery) goes to these servers, e.g. a DNS
/// server on a loopback address for tests and local demos.
/// </summary>
public sealed class DnsOptions
{
    public const string SectionName = "RestMail:Dns";

    /// <summary>Name servers as "ip:port" (or just "ip" for port 53); IPv6 as "[::1]:5353".</summary>
    public IList<string> Servers { get; } = [];

    /// <summary>How long one query may take before it is tried again or fails.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Parses <see cref="Servers"/>; throws <see cref="FormatException"/> on a bad entry.</summary>
    public IReadOnlyList<IPEndPoint> ParseServers() =>
        [.. Servers.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => IPEndPoint.TryParse(s.Trim(), out var endpoint)
            ? (endpoint.Port == 0 ? new IPEndPoint(endpoint.Address, 53) : endpoint)
            : throw new FormatException($"RestMail:Dns:Servers entry '{s}' is not an IP address with an optional port."))];
}
