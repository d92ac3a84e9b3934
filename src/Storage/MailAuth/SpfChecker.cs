using System.Net;
using System.Net.Sockets;

namespace RestMail.Storage.MailAuth;

/// <summary>
/// SPF verification (RFC 7208): check_host() over DNS for the MAIL FROM identity, or for the HELO
/// identity when MAIL FROM is the null sender (§2.4).
/// </summary>
public sealed class SpfChecker(MailAuthDns dns)
{
    /// <summary>§4.6.4: at most 10 MX names are looked at per mx mechanism (and 10 PTR names per ptr).</summary>
    private const int MaxNamesPerMechanism = 10;

    /// <summary>Checks the identity of a message from <paramref name="client"/>.</summary>
    /// <param name="mailFrom">The reverse-path; empty for the null sender.</param>
    /// <param name="helo">The HELO/EHLO name the client gave.</param>
    public async Task<SpfVerdict> CheckAsync(IPAddress client, string mailFrom, string helo, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(mailFrom);
        ArgumentNullException.ThrowIfNull(helo);
        if (client.IsIPv4MappedToIPv6)
            client = client.MapToIPv4();

        var (identity, value, domain, sender) = Identity(mailFrom, helo);
        var result = await CheckHostAsync(client, DomainName.ToAscii(domain), sender, helo, ct);
        return new SpfVerdict(result, identity, value, domain);
    }

    /// <summary>The verdict to record when the check could not run to its end (the time limit).</summary>
    public static SpfVerdict Unfinished(string mailFrom, string helo)
    {
        var (identity, value, domain, _) = Identity(mailFrom, helo);
        return new SpfVerdict(SpfResult.TempError, identity, value, domain);
    }

    /// <summary>
    /// Which identity is checked (RFC 7208 §2.4): MAIL FROM, or for the null sender the HELO name as
    /// postmaster@&lt;HELO&gt;; an empty local-part is taken as "postmaster" (§4.3).
    /// </summary>
    private static (string Identity, string Value, string Domain, string Sender) Identity(string mailFrom, string helo)
    {
        var at = mailFrom.LastIndexOf('@');
        if (mailFrom.Length == 0 || at < 0)
            return ("helo", helo, helo, "postmaster@" + helo);
        return ("mailfrom", mailFrom, mailFrom[(at + 1)..], at == 0 ? "postmaster" + mailFrom : mailFrom);
    }

    /// <summary>check_host(ip, domain, sender) of RFC 7208 §4.</summary>
    public async Task<SpfResult> CheckHostAsync(IPAddress client, string domain, string sender, string helo, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        var evaluation = new SpfEvaluation(client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client, sender, helo);
        try
        {
            return await EvaluateAsync(domain, evaluation, ct);
        }
        catch (SpfAbortException abort)
        {
            return abort.Result;
        }
    }

    private async Task<SpfResult> EvaluateAsync(string domain, SpfEvaluation evaluation, CancellationToken ct)
    {
        // §4.3: a malformed domain (or an address literal HELO) has no SPF policy.
        if (!DomainName.IsValid(domain))
            return SpfResult.None;
        var txt = await dns.TxtAsync(domain, ct);
        if (txt.Status == DnsLookupStatus.Failed)
            return SpfResult.TempError;
        var records = txt.Values.Where(SpfRecord.IsSpfRecord).ToList();
        // §4.5: no record is none, more than one is a permerror.
        if (records.Count == 0)
            return SpfResult.None;
        if (records.Count > 1 || SpfRecord.Parse(records[0]) is not { } record)
            return SpfResult.PermError;

        foreach (var mechanism in record.Mechanisms)
        {
            if (mechanism.CountsAsLookup)
                evaluation.CountLookup();
            if (await MatchesAsync(mechanism, domain, evaluation, ct))
                return mechanism.MatchResult;
        }
        if (record.Redirect is { } redirect && !record.HasAll)
        {
            // §6.1: redirect counts as a lookup; a target without a record is a permerror.
            evaluation.CountLookup();
            var target = Expand(redirect, domain, evaluation);
            var result = await EvaluateAsync(target, evaluation, ct);
            return result == SpfResult.None ? SpfResult.PermError : result;
        }
        // §4.7: nothing matched and no redirect.
        return SpfResult.Neutral;
    }

    private async Task<bool> MatchesAsync(SpfMechanism mechanism, string domain, SpfEvaluation evaluation, CancellationToken ct)
    {
        var client = evaluation.Client;
        var target = mechanism.DomainSpec is null ? domain : Expand(mechanism.DomainSpec, domain, evaluation);
        switch (mechanism.Kind)
        {
            case SpfMechanismKind.All:
                return true;
            case SpfMechanismKind.Ip4:
            case SpfMechanismKind.Ip6:
                return InNetwork(client, mechanism.Network!, mechanism);
            case SpfMechanismKind.Include:
                return await IncludeAsync(target, evaluation, ct);
            case SpfMechanismKind.A:
                {
                    var addresses = await dns.AddressesAsync(target, client.AddressFamily, ct);
                    return Addresses(addresses, evaluation).Any(a => InNetwork(client, a, mechanism));
                }
            case SpfMechanismKind.Mx:
                return await MxAsync(target, mechanism, evaluation, ct);
            case SpfMechanismKind.Ptr:
                return await PtrAsync(target, evaluation, ct);
            case SpfMechanismKind.Exists:
                {
                    // §5.7: always an A query, whatever the client's address family.
                    var addresses = await dns.AddressesAsync(target, AddressFamily.InterNetwork, ct);
                    return Addresses(addresses, evaluation).Count > 0;
                }
            default:
                throw new InvalidOperationException($"Unknown SPF mechanism {mechanism.Kind}.");
        }
    }

    /// <summary>§5.2: include matches on pass only; errors and a missing record end the whole check.</summary>
    private async Task<bool> IncludeAsync(string target, SpfEvaluation evaluation, CancellationToken ct)
    {
        var result = await EvaluateAsync(target, evaluation, ct);
        return result switch
        {
            SpfResult.Pass => true,
            SpfResult.Fail or SpfResult.SoftFail or SpfResult.Neutral => false,
            SpfResult.TempError => throw new SpfAbortException(SpfResult.TempError),
            _ => throw new SpfAbortException(SpfResult.PermError),
        };
    }

    /// <summary>§5.4: the client's address among the addresses of the target's MX hosts.</summary>
    private async Task<bool> MxAsync(string target, SpfMechanism mechanism, SpfEvaluation evaluation, CancellationToken ct)
    {
        var exchanges = await dns.MxAsync(target, ct);
        var names = Addresses(exchanges, evaluation);
        // §4.6.4: more than 10 MX names is a permerror.
        if (names.Count > MaxNamesPerMechanism)
            throw new SpfAbortException(SpfResult.PermError);
        foreach (var name in names)
        {
            var addresses = await dns.AddressesAsync(name, evaluation.Client.AddressFamily, ct);
            if (addresses.Status == DnsLookupStatus.Failed)
                throw new SpfAbortException(SpfResult.TempError);
            if (addresses.Values.Any(a => InNetwork(evaluation.Client, a, mechanism)))
                return true;
        }
        return false;
    }

    /// <summary>
    /// §5.5 (its use is discouraged, but records still carry it): a validated reverse name of the
    /// client that is the target or below it. A failed PTR lookup is simply no match.
    /// </summary>
    private async Task<bool> PtrAsync(string target, SpfEvaluation evaluation, CancellationToken ct)
    {
        var names = await dns.PtrAsync(evaluation.Client, ct);
        if (names.Status == DnsLookupStatus.Failed)
            return false;
        evaluation.CountIfVoid(names);
        foreach (var name in names.Values.Take(MaxNamesPerMechanism))
        {
            if (!DomainName.IsSameOrBelow(name, target))
                continue;
            var forward = await dns.AddressesAsync(name, evaluation.Client.AddressFamily, ct);
            if (forward.Values.Any(a => a.Equals(evaluation.Client)))
                return true;
        }
        return false;
    }

    /// <summary>The values of a mechanism's own query: a failure ends the check with temperror, an empty answer counts as void.</summary>
    private static IReadOnlyList<T> Addresses<T>(DnsLookup<T> lookup, SpfEvaluation evaluation)
    {
        if (lookup.Status == DnsLookupStatus.Failed)
            throw new SpfAbortException(SpfResult.TempError);
        evaluation.CountIfVoid(lookup);
        return lookup.Values;
    }

    private static string Expand(string domainSpec, string domain, SpfEvaluation evaluation)
    {
        if (!SpfMacro.TryExpand(domainSpec, evaluation.MacrosFor(domain), out var expanded))
            throw new SpfAbortException(SpfResult.PermError);
        return SpfMacro.TruncateDomain(expanded.TrimEnd('.'));
    }

    /// <summary>CIDR match (§5.6): the client and the address share the mechanism's prefix length for their family.</summary>
    private static bool InNetwork(IPAddress client, IPAddress network, SpfMechanism mechanism)
    {
        if (network.IsIPv4MappedToIPv6)
            network = network.MapToIPv4();
        if (client.AddressFamily != network.AddressFamily)
            return false;
        var prefix = client.AddressFamily == AddressFamily.InterNetworkV6 ? mechanism.Ip6Prefix : mechanism.Ip4Prefix;
        Span<byte> a = stackalloc byte[16], b = stackalloc byte[16];
        client.TryWriteBytes(a, out var length);
        network.TryWriteBytes(b, out _);
        var fullBytes = prefix / 8;
        if (!a[..fullBytes].SequenceEqual(b[..fullBytes]))
            return false;
        var remainingBits = prefix % 8;
        if (remainingBits == 0 || fullBytes >= length)
            return true;
        var mask = (byte)(0xFF << (8 - remainingBits));
        return (a[fullBytes] & mask) == (b[fullBytes] & mask);
    }
}
