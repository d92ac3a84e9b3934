using System.Globalization;
using System.Net;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Options;
using RestMail.Storage.Queue;

namespace RestMail.Grains.Queue;

/// <summary>
/// Finds the SMTP servers of a domain: a static route when configured, otherwise MX records sorted by
/// preference (RFC 5321 §5.1), the domain's own A/AAAA records when it has no MX, and a permanent
/// failure for a null MX (RFC 7505) or a domain that does not exist. Host names are resolved with the
/// same <see cref="ILookupClient"/>, so RestMail:Dns:Servers covers the whole lookup.
/// </summary>
internal sealed class MxResolver(ILookupClient dns, IOptions<OutboundOptions> options)
{
    public async Task<MailRoute> ResolveAsync(string domain, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.StaticRoutes.TryGetValue(domain, out var route) || settings.StaticRoutes.TryGetValue("*", out route))
            return new MailRoute([ParseStatic(route, settings.Port)]) { Static = true };

        IDnsQueryResponse response;
        try
        {
            response = await dns.QueryAsync(domain, QueryType.MX, cancellationToken: cancellationToken);
        }
        catch (DnsResponseException e)
        {
            return MailRoute.Fail(RecipientOutcomeKind.Deferred, $"4.4.3 MX lookup for {domain} failed: {e.Message}");
        }
        if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
            return MailRoute.Fail(RecipientOutcomeKind.Failed, $"5.1.2 Host or domain name not found: {domain}");
        if (response.HasError)
            return MailRoute.Fail(RecipientOutcomeKind.Deferred, $"4.4.3 MX lookup for {domain} failed: {response.ErrorMessage}");

        var mx = response.Answers.MxRecords().ToList();
        if (mx.Any(IsNullMx))
            return MailRoute.Fail(RecipientOutcomeKind.Failed, $"5.1.10 Domain {domain} does not accept mail (null MX)");

        // No MX: the domain itself is the implicit MX (RFC 5321 §5.1).
        var exchanges = mx.Count == 0
            ? [domain]
            : mx.OrderBy(r => r.Preference).Select(r => r.Exchange.Value.TrimEnd('.')).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

        var targets = new List<MailTarget>();
        string? lastError = null;
        foreach (var exchange in exchanges)
        {
            if (IPAddress.TryParse(exchange, out _))
            {
                targets.Add(new MailTarget(exchange, exchange, settings.Port));
                continue;
            }
            foreach (var type in new[] { QueryType.A, QueryType.AAAA })
            {
                try
                {
                    var addresses = await dns.QueryAsync(exchange, type, cancellationToken: cancellationToken);
                    if (addresses.HasError)
                        lastError = addresses.ErrorMessage;
                    foreach (var record in addresses.Answers.AddressRecords())
                        targets.Add(new MailTarget(exchange, record.Address.ToString(), settings.Port));
                }
                catch (DnsResponseException e)
                {
                    lastError = e.Message;
                }
            }
        }
        return targets.Count > 0
            ? new MailRoute(targets)
            : MailRoute.Fail(RecipientOutcomeKind.Deferred, $"4.4.4 No address found for the mail servers of {domain}{(lastError is null ? "" : ": " + lastError)}");
    }

    private static bool IsNullMx(MxRecord record) => record.Exchange.Value is "." or "";

    /// <summary>"host:port", "[v6]:port", "ip:port" or just "host".</summary>
    internal static MailTarget ParseStatic(string route, int defaultPort)
    {
        route = route.Trim();
        if (IPEndPoint.TryParse(route, out var endpoint) && (endpoint.Port != 0 || !route.Contains(':', StringComparison.Ordinal) || endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6))
        {
            var address = endpoint.Address.ToString();
            return new MailTarget(address, address, endpoint.Port == 0 ? defaultPort : endpoint.Port);
        }
        var colon = route.LastIndexOf(':');
        if (colon > 0 && int.TryParse(route.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            return new MailTarget(route[..colon], route[..colon], port);
        return new MailTarget(route, route, defaultPort);
    }
}
