using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using RestMail.Tests.Infrastructure;
using RestMail.Tests.Outbound;

namespace RestMail.Tests.Federation;

/// <summary>
/// One REST Mail host of a federation test: its own database, its public name (resolved by the
/// shared test DNS server), an HTTPS listener with a certificate of the test CA, a fixed MX port, and
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
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(host.Address, host.HttpsPort, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(host.Certificate);
        }));
    }

    protected override void ConfigureRouting(IDictionary<string, string?> settings)
    {
        settings["RestMail:Hostname"] = host.Name;
        settings["RestMail:Dns:Servers:0"] = "127.0.0.1:" + host.Dns.Port.ToString(CultureInfo.InvariantCulture);
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
public sealed record FederationHost(string Name, IPAddress Address, int HttpsPort, int SmtpPort, int PeerSmtpPort, X509Certificate2 Certificate, string TrustedCaPath, TestDnsServer Dns);
