using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;

namespace RestMail.Storage.MailAuth;

/// <summary>
/// The DNS queries SPF, DKIM and DMARC need, over the shared <see cref="ILookupClient"/>
/// (RestMail:Dns), with the answers reduced to what those checks distinguish: records, no records,
/// no such name, or a failure worth a temperror.
/// </summary>
public sealed class MailAuthDns(ILookupClient lookup)
{
    /// <summary>TXT records, each one's character-strings joined without separators (RFC 7208 §3.3, RFC 6376 §3.6.2.2).</summary>
    public async Task<DnsLookup<string>> TxtAsync(string name, CancellationToken ct)
    {
        var response = await QueryAsync(name, QueryType.TXT, ct);
        return Map(response, r => r.Answers.TxtRecords().Select(t => string.Concat(t.Text)));
    }

    /// <summary>A records for IPv4, AAAA records for IPv6.</summary>
    public async Task<DnsLookup<IPAddress>> AddressesAsync(string name, AddressFamily family, CancellationToken ct)
    {
        var type = family == AddressFamily.InterNetworkV6 ? QueryType.AAAA : QueryType.A;
        var response = await QueryAsync(name, type, ct);
        return Map(response, r => family == AddressFamily.InterNetworkV6
            ? r.Answers.AaaaRecords().Select(a => a.Address)
            : r.Answers.ARecords().Select(a => a.Address));
    }

    /// <summary>The exchange names of the MX records, in no particular order (SPF does not care about preference).</summary>
    public async Task<DnsLookup<string>> MxAsync(string name, CancellationToken ct)
    {
        var response = await QueryAsync(name, QueryType.MX, ct);
        return Map(response, r => r.Answers.MxRecords().Select(m => m.Exchange.Value.TrimEnd('.')));
    }

    /// <summary>The names a reverse (PTR) lookup of the address gives.</summary>
    public async Task<DnsLookup<string>> PtrAsync(IPAddress address, CancellationToken ct)
    {
        var response = await QueryAsync(address.GetArpaName(), QueryType.PTR, ct);
        return Map(response, r => r.Answers.PtrRecords().Select(p => p.PtrDomainName.Value.TrimEnd('.')));
    }

    /// <summary>The response, or the status a query that got none ends in.</summary>
    private async Task<(IDnsQueryResponse? Response, DnsLookupStatus Status)> QueryAsync(string name, QueryType type, CancellationToken ct)
    {
        try
        {
            return (await lookup.QueryAsync(name, type, QueryClass.IN, ct), DnsLookupStatus.Found);
        }
        catch (DnsResponseException)
        {
            // A timeout or a malformed answer: DnsClient throws these even with ThrowDnsErrors off.
            return (null, DnsLookupStatus.Failed);
        }
        catch (ArgumentException)
        {
            // Not a name DNS can carry (e.g. a macro expanded into an over-long label): it cannot exist.
            return (null, DnsLookupStatus.NonExistentDomain);
        }
    }

    private static DnsLookup<T> Map<T>((IDnsQueryResponse? Response, DnsLookupStatus Status) answer, Func<IDnsQueryResponse, IEnumerable<T>> values)
    {
        if (answer.Response is not { } response)
            return new DnsLookup<T>(answer.Status, []);
        switch (response.Header.ResponseCode)
        {
            case DnsHeaderResponseCode.NoError:
                var found = values(response).ToList();
                return new DnsLookup<T>(found.Count > 0 ? DnsLookupStatus.Found : DnsLookupStatus.NoRecords, found);
            case DnsHeaderResponseCode.NotExistentDomain:
                return new DnsLookup<T>(DnsLookupStatus.NonExistentDomain, []);
            default:
                return new DnsLookup<T>(DnsLookupStatus.Failed, []);
        }
    }
}
