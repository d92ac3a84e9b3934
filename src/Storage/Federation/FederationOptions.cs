namespace RestMail.Storage.Federation;

/// <summary>The "RestMail:Federation" section: delivery between REST Mail servers over HTTPS (docs/federation.md).</summary>
public sealed class FederationOptions
{
    public const string SectionName = "RestMail:Federation";

    /// <summary>
    /// This server's public federation endpoint, e.g. https://mail.example.org/v1. When set, the MX
    /// listener advertises it in EHLO (X-RESTMAIL) and the admin DNS listing names it in the
    /// _restmail TXT record. Empty: not advertised (the server still receives on POST /v1/deliver).
    /// </summary>
    public string Endpoint { get; set; } = "";

    /// <summary>Whether outbound mail looks for REST Mail peers at all; false sends everything over SMTP.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Development and tests only: a PEM file of CA certificates trusted, in addition to the system
    /// store, for the HTTPS connections to other REST Mail servers.
    /// </summary>
    public string TrustedCaPath { get; set; } = "";

    /// <summary>How long a discovered endpoint of a remote domain is remembered.</summary>
    public TimeSpan DiscoveryTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long "no endpoint" (or a failed endpoint) is remembered before looking again.</summary>
    public TimeSpan NegativeTtl { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a sender domain's public keys (JWKS) are cached by the receiving side.</summary>
    public TimeSpan KeyCacheTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Lifetime of the delivery tokens this server signs; at most 5 minutes (the receiver refuses longer).</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Timeout of one POST /deliver (and of one key fetch).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The endpoint as an absolute https URI, or null when none is configured.</summary>
    public Uri? PublicEndpoint => FederationDiscovery.TryParseEndpoint(Endpoint, out var uri) ? uri : null;
}
