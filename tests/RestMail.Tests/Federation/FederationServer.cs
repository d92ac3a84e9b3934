using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RestMail.Api.Federation;
using RestMail.Storage.Federation;
using RestMail.Tests.Infrastructure;
using RestMail.Tests.Outbound;

namespace RestMail.Tests.Federation;

/// <summary>
/// One REST Mail host of a federation test: its own database, its public name (resolved by the
/// shared test DNS server), its own HTTPS listener (RestMail:Https) with a certificate of the test CA, a fixed MX port, and
/// outbound SMTP aimed at the peer's MX port.
/// </summary>
public sealed class FederationServer(PostgresServer postgres, FederationHost host) : OutboundServer(postgres)
{
    public FederationHost Host => host;

    /// <summary>The endpoint other servers deliver to: https://name:port/v1.</summary>
    public Uri Endpoint => new($"https://{host.Name}:{host.HttpsPort.ToString(CultureInfo.InvariantCulture)}/v1");

    protected override void Configure(WebApplicationBuilder builder)
    {
        base.Configure(builder);
        // Registered before the host's own (which only add themselves when missing).
        if (host.KeyClock is { } clock)
        {
            builder.Services.AddSingleton(sp => ActivatorUtilities.CreateInstance<FederationKeyStore>(sp, clock));
            builder.Services.AddSingleton(sp => ActivatorUtilities.CreateInstance<SenderKeyResolver>(sp, clock));
        }
    }

    protected override void ConfigureRouting(IDictionary<string, string?> settings)
    {
        settings["RestMail:Hostname"] = host.Name;
        // The host's own HTTPS listener, on by default because a certificate is configured.
        settings["RestMail:Tls:CertificatePath"] = host.Certificate.CertificatePath;
        settings["RestMail:Tls:KeyPath"] = host.Certificate.KeyPath;
        settings["RestMail:Https:Address"] = host.Address.ToString();
        settings["RestMail:Https:Port"] = host.HttpsPort.ToString(CultureInfo.InvariantCulture);
        settings["RestMail:Dns:Servers:0"] = host.Dns.Endpoint;
        settings["RestMail:Dns:Timeout"] = "00:00:02";
        settings["RestMail:Smtp:Address"] = host.Address.ToString();
        settings["RestMail:Smtp:Port"] = host.SmtpPort.ToString(CultureInfo.InvariantCulture);
        settings["RestMail:Outbound:Port"] = host.PeerSmtpPort.ToString(CultureInfo.InvariantCulture);
        settings["RestMail:Outbound:Timeout"] = "00:00:30";
        settings["RestMail:Federation:Endpoint"] = Endpoint.AbsoluteUri;
        settings["RestMail:Federation:TrustedCaPath"] = host.TrustedCaPath;
        settings["RestMail:Federation:RequestTimeout"] = "00:00:30";
    }
}

/// <summary>Where one federation test host lives.</summary>
/// <param name="KeyClock">
/// When set, the clock of the sender's key store (which key signs) and the receiver's key cache (how
/// old a fetched key set is): a test moves it forward to stand for the minutes a key rotation waits.
/// </param>
public sealed record FederationHost(
    string Name, IPAddress Address, int HttpsPort, int SmtpPort, int PeerSmtpPort, (string CertificatePath, string KeyPath) Certificate, string TrustedCaPath, TestDnsServer Dns,
    TimeProvider? KeyClock = null);
