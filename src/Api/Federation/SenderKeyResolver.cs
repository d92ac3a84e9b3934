using System.Collections.Concurrent;
using DnsClient;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using RestMail.Storage.Federation;

namespace RestMail.Api.Federation;

/// <summary>
/// Finds a sender domain's public keys from data only that domain controls: its <c>_restmail</c> TXT
/// record names its endpoint, and the endpoint serves the domain's JWK Set over HTTPS
/// (<c>GET {endpoint}/federation/keys/{domain}</c>). Key sets are cached for
/// RestMail:Federation:KeyCacheTtl; an unknown kid refetches at most once a minute (key rotation).
/// </summary>
public sealed class SenderKeyResolver(
    ILookupClient dns, IHttpClientFactory httpClients, IOptions<FederationOptions> options, TimeProvider time)
{
    private static readonly TimeSpan RefetchInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, SenderKeys> _cache = new(StringComparer.OrdinalIgnoreCase);

    // A domain whose keys could not be fetched is not asked again for a minute: otherwise every
    // request naming it would wait on its DNS or its (perhaps deliberately slow) endpoint.
    private readonly ConcurrentDictionary<string, (DateTimeOffset Until, string Error)> _failures = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The domain's endpoint and the key named <paramref name="kid"/>, or why there is none.</summary>
    public async Task<(SenderKeys? Keys, SecurityKey? Key, string? Error)> FindAsync(string domain, string kid, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (!_cache.TryGetValue(domain, out var keys) || now >= keys.FetchedAt + options.Value.KeyCacheTtl
            || (keys.Find(kid) is null && now >= keys.FetchedAt + RefetchInterval))
        {
            if (_failures.TryGetValue(domain, out var failure) && now < failure.Until)
                return (null, null, failure.Error);
            var (fetched, error) = await FetchAsync(domain, ct);
            if (fetched is null)
            {
                _failures[domain] = (now + RefetchInterval, error);
                return (null, null, error);
            }
            _failures.TryRemove(domain, out _);
            _cache[domain] = keys = fetched;
        }
        return keys.Find(kid) is { } key ? (keys, key, null) : (keys, null, $"The key set of {domain} at {keys.Endpoint} has no key '{kid}'.");
    }

    private async Task<(SenderKeys?, string)> FetchAsync(string domain, CancellationToken ct)
    {
        var txt = await dns.QueryAsync(FederationDiscovery.TxtName(domain), QueryType.TXT, cancellationToken: ct);
        var endpoint = txt.HasError ? null : FederationDiscovery.FromTxtRecords(txt.Answers.TxtRecords().Select(r => string.Concat(r.Text)));
        if (endpoint is null)
            return (null, $"{domain} publishes no REST Mail endpoint (TXT {FederationDiscovery.TxtName(domain)}), so its keys cannot be found.");
        var url = FederationDiscovery.Combine(endpoint, "federation/keys/" + Uri.EscapeDataString(domain));
        try
        {
            using var response = await httpClients.CreateClient(FederationHttp.ClientName).GetAsync(url, ct);
            if (!response.IsSuccessStatusCode)
                return (null, $"The key set {url} answered HTTP {(int)response.StatusCode}.");
            var set = new JsonWebKeySet(await response.Content.ReadAsStringAsync(ct));
            // Only P-256 signature keys can verify ES256 (RFC 7518 §3.4).
            var usable = set.Keys.Where(k => k.Kty == JsonWebAlgorithmsKeyTypes.EllipticCurve && k.Crv == JsonWebKeyECTypes.P256 && !string.IsNullOrEmpty(k.Kid)
                                              && k.Use is null or "sig" && !k.HasPrivateKey)
                .ToDictionary(k => k.Kid, k => (SecurityKey)k, StringComparer.Ordinal);
            return (new SenderKeys(endpoint, usable, time.GetUtcNow()), "");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or ArgumentException or System.Text.Json.JsonException)
        {
            return (null, $"The key set {url} could not be fetched: {e.Message}");
        }
    }
}

/// <summary>One sender domain's endpoint and keys by kid, as fetched at <see cref="FetchedAt"/>.</summary>
public sealed record SenderKeys(Uri Endpoint, IReadOnlyDictionary<string, SecurityKey> Keys, DateTimeOffset FetchedAt)
{
    public SecurityKey? Find(string kid) => Keys.TryGetValue(kid, out var key) ? key : null;
}
