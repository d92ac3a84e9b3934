using RestMail.Storage.Dkim;
using RestMail.Storage.Federation;

namespace RestMail.Api.Admin;

/// <summary>One record an operator publishes for a hosted domain. Names are fully qualified (trailing dot).</summary>
public sealed record DnsRecord(string Type, string Name, string Value, string Purpose)
{
    /// <summary>MX, SPF, DKIM, DMARC and REST Mail discovery for the domain of <paramref name="key"/>, served by <paramref name="hostname"/>.</summary>
    /// <remarks>The _restmail record names RestMail:Federation:Endpoint when set, else https://hostname/v1.</remarks>
    public static IReadOnlyList<DnsRecord> For(DkimKey key, string hostname, Uri? federationEndpoint = null)
    {
        var domain = key.Domain;
        var host = hostname.TrimEnd('.').ToLowerInvariant();
        return
        [
            new("MX", $"{domain}.", $"10 {host}.", "Mail for the domain is delivered to this server (RFC 5321 §5.1)."),
            new("TXT", $"{domain}.", "v=spf1 mx -all", "SPF: only the domain's MX hosts send its mail (RFC 7208)."),
            new("TXT", $"{key.RecordName}.", key.RecordValue, "DKIM: the public key that verifies this server's signatures (RFC 6376). Values over 255 characters are split into several strings of one record."),
            new("TXT", $"_dmarc.{domain}.", $"v=DMARC1; p=quarantine; rua=mailto:postmaster@{domain}", "DMARC: unaligned mail is quarantined; aggregate reports go to postmaster (RFC 7489)."),
            new("TXT", $"{FederationDiscovery.TxtName(domain)}.", FederationDiscovery.TxtValue(federationEndpoint ?? new Uri($"https://{host}/v1")),
                "REST Mail federation (docs/federation.md): other REST Mail servers deliver over HTTPS to this endpoint and fetch the domain's signing keys from it."),
        ];
    }
}
