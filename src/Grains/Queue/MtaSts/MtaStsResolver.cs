using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using DnsClient;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RestMail.Storage.Queue;

namespace RestMail.Grains.Queue.MtaSts;

/// <summary>
/// MTA-STS for outbound delivery (RFC 8461): looks up "_mta-sts.&lt;domain&gt;" TXT, fetches the policy
/// from https://mta-sts.&lt;domain&gt;/.well-known/mta-sts.txt when the record's id is new, caches it
/// for its max_age, and applies it to a route: in enforce mode only matching MX hosts remain and
/// TLS with a validated certificate becomes mandatory. Lookups use the shared resolver, so
/// RestMail:Dns:Servers covers the policy host too.
/// </summary>
internal sealed partial class MtaStsResolver : IDisposable
{
    private const int MaxPolicyBytes = 64 * 1024;

    private readonly ConcurrentDictionary<string, MtaStsPolicy> _cache = new(StringComparer.OrdinalIgnoreCase);
    private readonly ILookupClient _dns;
    private readonly IOptions<OutboundOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<MtaStsResolver> _logger;
    private readonly HttpClient _http;

    public MtaStsResolver(ILookupClient dns, RemoteCertificateVerifier verifier, IOptions<OutboundOptions> options, TimeProvider time, ILogger<MtaStsResolver> logger)
    {
        (_dns, _options, _time, _logger) = (dns, options, time, logger);
        var handler = new SocketsHttpHandler
        {
            // RFC 8461 §3.3: no redirects; the certificate must be valid for mta-sts.<domain>.
            AllowAutoRedirect = false,
            ConnectCallback = ConnectAsync,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (sender, certificate, _, _) =>
            verifier.Verify(certificate, ((SslStream)sender).TargetHostName);
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30), MaxResponseContentBufferSize = MaxPolicyBytes };
    }

    /// <summary>The route as the domain's policy allows it: unchanged without a policy or in testing mode.</summary>
    public async Task<MailRoute> ApplyAsync(string domain, MailRoute route, CancellationToken cancellationToken)
    {
        if (route.Failure is not null || route.Static)
            return route;
        var policy = await GetPolicyAsync(domain, cancellationToken);
        if (policy is null || policy.Mode == MtaStsMode.None)
            return route;
        var allowed = route.Targets.Where(t => policy.Matches(t.Host)).ToList();
        if (policy.Mode == MtaStsMode.Testing)
        {
            if (allowed.Count < route.Targets.Count)
                LogTestingMismatch(domain, string.Join(", ", route.Targets.Select(t => t.Host).Except(allowed.Select(t => t.Host))));
            return route;
        }
        return allowed.Count == 0
            ? MailRoute.Fail(RecipientOutcomeKind.Deferred, $"4.7.5 MTA-STS: no MX host of {domain} matches its policy (mx: {string.Join(", ", policy.MxPatterns)})")
            : route with { Targets = allowed, RequireValidatedTls = true };
    }

    /// <summary>The domain's current policy, or null when it has none (RFC 8461 §5.1 for caching).</summary>
    public async Task<MtaStsPolicy?> GetPolicyAsync(string domain, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        _cache.TryGetValue(domain, out var cached);
        if (cached is not null && cached.ExpiresAt <= now)
        {
            _cache.TryRemove(new KeyValuePair<string, MtaStsPolicy>(domain, cached));
            cached = null;
        }

        var id = await LookupRecordIdAsync(domain, cancellationToken);
        // No record (or DNS trouble): a cached, unexpired policy still holds; that is the point of caching it.
        if (id is null || (cached is not null && cached.Id == id))
            return cached;

        var fetched = await FetchAsync(domain, id, now, cancellationToken);
        if (fetched is null)
            return cached;
        _cache[domain] = fetched;
        return fetched;
    }

    private async Task<string?> LookupRecordIdAsync(string domain, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _dns.QueryAsync("_mta-sts." + domain, QueryType.TXT, cancellationToken: cancellationToken);
            if (response.HasError)
                return null;
            // RFC 8461 §3.1: more than one STS record means no policy.
            var ids = response.Answers.TxtRecords().Select(r => MtaStsPolicyParser.ParseRecordId(string.Concat(r.Text))).Where(i => i is not null).ToList();
            return ids.Count == 1 ? ids[0] : null;
        }
        catch (DnsResponseException)
        {
            return null;
        }
    }

    private async Task<MtaStsPolicy?> FetchAsync(string domain, string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var uri = new UriBuilder(Uri.UriSchemeHttps, "mta-sts." + domain, _options.Value.MtaStsPolicyPort, "/.well-known/mta-sts.txt").Uri;
        try
        {
            using var response = await _http.GetAsync(uri, cancellationToken);
            // RFC 8461 §3.3: only a 200 with text/plain counts.
            if (response.StatusCode != HttpStatusCode.OK || response.Content.Headers.ContentType?.MediaType != "text/plain")
            {
                LogFetchFailed(domain, $"HTTP {(int)response.StatusCode} {response.Content.Headers.ContentType?.MediaType}");
                return null;
            }
            var policy = MtaStsPolicyParser.ParsePolicy(await response.Content.ReadAsStringAsync(cancellationToken), id, now);
            if (policy is null)
                LogFetchFailed(domain, "not a valid STSv1 policy");
            return policy;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            LogFetchFailed(domain, e.Message);
            return null;
        }
    }

    /// <summary>Connects to the policy host's addresses as the shared resolver gives them.</summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await ResolveAsync(host, cancellationToken);
        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
        }
        throw new HttpRequestException($"Could not connect to {host}", last);
    }

    private async Task<List<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var addresses = new List<IPAddress>();
        foreach (var type in new[] { QueryType.A, QueryType.AAAA })
        {
            var response = await _dns.QueryAsync(host, type, cancellationToken: cancellationToken);
            addresses.AddRange(response.Answers.AddressRecords().Select(r => r.Address));
        }
        return addresses;
    }

    public void Dispose() => _http.Dispose();

    [LoggerMessage(EventId = 2240, Level = LogLevel.Warning, Message = "MTA-STS policy of {Domain} could not be fetched: {Reason}")]
    private partial void LogFetchFailed(string domain, string reason);

    [LoggerMessage(EventId = 2241, Level = LogLevel.Warning, Message = "MTA-STS (testing) for {Domain}: MX hosts not in the policy: {Hosts}")]
    private partial void LogTestingMismatch(string domain, string hosts);
}
