using DnsClient;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RestMail.Storage.Federation;

namespace RestMail.Grains.Federation;

/// <summary>
/// The capability cache for one remote domain. Kept in memory only: it is a cache, and a new
/// activation simply looks again. The TXT record wins over an EHLO advertisement (DNS is the
/// domain's own statement; EHLO comes over a connection whose TLS is not verified).
/// </summary>
internal sealed partial class RemoteDomainGrain(
    ILookupClient dns, IOptions<FederationOptions> options, TimeProvider time, ILogger<RemoteDomainGrain> logger) : Grain, IRemoteDomainGrain
{
    private string Domain => this.GetPrimaryKeyString();

    private Uri? _fromDns;
    private DateTimeOffset _dnsCheckedUntil;
    private Uri? _advertised;
    private DateTimeOffset _advertisedUntil;
    private DateTimeOffset _failedUntil;
    private int _unanswered;

    /// <summary>Unanswered requests in a row after which the endpoint counts as failed.</summary>
    public const int MaxUnanswered = 3;

    public async Task<string?> GetEndpointAsync()
    {
        var now = time.GetUtcNow();
        if (!options.Value.Enabled || now < _failedUntil)
            return null;
        if (now >= _dnsCheckedUntil)
        {
            _fromDns = await LookUpAsync();
            _dnsCheckedUntil = now + (_fromDns is null ? options.Value.NegativeTtl : options.Value.DiscoveryTtl);
        }
        return (_fromDns ?? (now < _advertisedUntil ? _advertised : null))?.AbsoluteUri;
    }

    public Task AdvertisedAsync(string endpoint)
    {
        if (FederationDiscovery.TryParseEndpoint(endpoint, out var uri))
        {
            _advertised = uri;
            _advertisedUntil = time.GetUtcNow() + options.Value.DiscoveryTtl;
            LogAdvertised(Domain, uri.AbsoluteUri);
        }
        return Task.CompletedTask;
    }

    public Task FailedAsync(string reason)
    {
        _failedUntil = time.GetUtcNow() + options.Value.NegativeTtl;
        LogFailed(Domain, reason);
        return Task.CompletedTask;
    }

    public async Task ReportAsync(bool answered)
    {
        if (answered)
        {
            _unanswered = 0;
            return;
        }
        if (++_unanswered >= MaxUnanswered)
        {
            _unanswered = 0;
            await FailedAsync($"{MaxUnanswered} requests in a row went unanswered");
        }
    }

    private async Task<Uri?> LookUpAsync()
    {
        try
        {
            var response = await dns.QueryAsync(FederationDiscovery.TxtName(Domain), QueryType.TXT);
            if (response.HasError)
                return null;
            // A record's strings are one value (RFC 7208 §3.3 does the same for SPF).
            return FederationDiscovery.FromTxtRecords(response.Answers.TxtRecords().Select(r => string.Concat(r.Text)));
        }
        catch (DnsResponseException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 2300, Level = LogLevel.Information, Message = "Domain {Domain} advertised the REST Mail endpoint {Endpoint} in EHLO")]
    private partial void LogAdvertised(string domain, string endpoint);

    [LoggerMessage(EventId = 2301, Level = LogLevel.Information, Message = "REST Mail delivery to {Domain} falls back to SMTP for a while: {Reason}")]
    private partial void LogFailed(string domain, string reason);
}
