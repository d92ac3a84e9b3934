using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using RestMail.Tests.Hosting;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Outbound;

/// <summary>
/// Outbound delivery under MTA-STS: an in-test DNS server publishes MX, A and "_mta-sts" records,
/// an HTTPS server (certificate from a test CA) serves the policies, and the SMTP sink offers
/// STARTTLS with a certificate from the same CA for some MX names only.
/// </summary>
public sealed class MtaStsServer(PostgresServer postgres) : OutboundServer(postgres)
{
    public const string Enforced = "sts-enforce.test", Unlisted = "sts-unlisted.test", BadCertificate = "sts-badcert.test", Testing = "sts-testing.test";

    private static readonly Dictionary<string, string> PolicyFiles = new(StringComparer.OrdinalIgnoreCase)
    {
        [Enforced] = $"version: STSv1\r\nmode: enforce\r\nmx: mx.{Enforced}\r\nmax_age: 86400\r\n",
        [Unlisted] = $"version: STSv1\r\nmode: enforce\r\nmx: other.{Unlisted}\r\nmax_age: 86400\r\n",
        [BadCertificate] = $"version: STSv1\r\nmode: enforce\r\nmx: *.{BadCertificate}\r\nmax_age: 86400\r\n",
        [Testing] = $"version: STSv1\r\nmode: testing\r\nmx: other.{Testing}\r\nmax_age: 86400\r\n",
    };

    private readonly int _policyPort = FreePort.Next();
    private WebApplication? _policies;

    public TestDnsServer Dns { get; } = new();

    public TestCertificateAuthority Authority { get; } = new();

    public override async ValueTask InitializeAsync()
    {
        // The sink's certificate names every MX host except the one of BadCertificate.
        Sink.Certificate = Authority.Issue($"mx.{Enforced}", $"mx.{Unlisted}", $"mx.{Testing}");
        foreach (var domain in PolicyFiles.Keys)
        {
            Dns.Mx[domain] = [(10, "mx." + domain)];
            Dns.Addresses["mx." + domain] = [IPAddress.Loopback];
            Dns.Addresses["mta-sts." + domain] = [IPAddress.Loopback];
            Dns.Txt["_mta-sts." + domain] = ["v=STSv1; id=20261124;"];
        }
        await StartPolicyServerAsync();
        await base.InitializeAsync();
    }

    protected override void ConfigureRouting(IDictionary<string, string?> settings)
    {
        settings["RestMail:Dns:Servers:0"] = "127.0.0.1:" + Dns.Port.ToString(CultureInfo.InvariantCulture);
        settings["RestMail:Dns:Timeout"] = "00:00:02";
        settings["RestMail:Outbound:Port"] = Sink.Port.ToString(CultureInfo.InvariantCulture);
        settings["RestMail:Outbound:TrustedCaPath"] = Authority.PemPath;
        settings["RestMail:Outbound:MtaStsPolicyPort"] = _policyPort.ToString(CultureInfo.InvariantCulture);
    }

    private async Task StartPolicyServerAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var certificate = Authority.Issue([.. PolicyFiles.Keys.Select(d => "mta-sts." + d)]);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, _policyPort, l => l.UseHttps(certificate)));
        _policies = builder.Build();
        _policies.MapGet("/.well-known/mta-sts.txt", (HttpContext context) =>
            PolicyFiles.TryGetValue(context.Request.Host.Host["mta-sts.".Length..], out var policy)
                ? Results.Text(policy, "text/plain")
                : Results.NotFound());
        await _policies.StartAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        await base.DisposeAsync();
        if (_policies is not null)
            await _policies.DisposeAsync();
        await Dns.DisposeAsync();
        Authority.Dispose();
    }
}

public sealed class MtaStsDeliveryTests(MtaStsServer server) : IClassFixture<MtaStsServer>
{
    private async Task<long> SendAsync(string rcpt)
    {
        var sender = await server.CreateAccountAsync();
        return await server.SendAsync(sender.Id, sender.Address, $"From: <{sender.Address}>\r\nTo: <{rcpt}>\r\nSubject: sts\r\n\r\nhello\r\n", rcpt);
    }

    [Fact]
    public async Task An_enforced_policy_with_a_matching_mx_and_a_valid_certificate_delivers_over_tls()
    {
        var rcpt = $"ann@{MtaStsServer.Enforced}";

        await server.WaitForStateAsync(await SendAsync(rcpt), "delivered");

        Assert.True(Assert.Single(server.Sink.For(rcpt)).OverTls);
    }

    [Fact]
    public async Task An_enforced_policy_that_lists_none_of_the_mx_hosts_defers_without_connecting()
    {
        var rcpt = $"bo@{MtaStsServer.Unlisted}";

        var entry = await server.WaitForStateAsync(await SendAsync(rcpt), "queued", e => e.Attempts >= 1);

        Assert.StartsWith("4.7.5 MTA-STS", Assert.Single(entry.Recipients).LastError, StringComparison.Ordinal);
        Assert.Empty(server.Sink.For(rcpt));
    }

    [Fact]
    public async Task An_enforced_policy_defers_when_the_mx_certificate_does_not_name_the_host()
    {
        var rcpt = $"cy@{MtaStsServer.BadCertificate}";

        var entry = await server.WaitForStateAsync(await SendAsync(rcpt), "queued", e => e.Attempts >= 1);

        Assert.StartsWith("4.", Assert.Single(entry.Recipients).LastError, StringComparison.Ordinal);
        Assert.Empty(server.Sink.For(rcpt));
    }

    [Fact]
    public async Task A_testing_policy_only_reports_and_mail_is_delivered()
    {
        var rcpt = $"di@{MtaStsServer.Testing}";

        await server.WaitForStateAsync(await SendAsync(rcpt), "delivered");

        Assert.Single(server.Sink.For(rcpt));
    }
}
