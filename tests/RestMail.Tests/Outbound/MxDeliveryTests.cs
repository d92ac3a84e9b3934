using System.Globalization;
using System.Net;
using System.Text;
using MimeKit;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Outbound;

/// <summary>The host with RestMail:Dns:Servers pointing at an in-test DNS server and RestMail:Outbound:Port at the sink.</summary>
public sealed class DnsOutboundServer(PostgresServer postgres) : OutboundServer(postgres)
{
    public TestDnsServer Dns { get; } = new();

    protected override void ConfigureRouting(IDictionary<string, string?> settings)
    {
        settings["RestMail:Dns:Servers:0"] = "127.0.0.1:" + Dns.Port.ToString(CultureInfo.InvariantCulture);
        settings["RestMail:Dns:Timeout"] = "00:00:02";
        settings["RestMail:Outbound:Port"] = Sink.Port.ToString(CultureInfo.InvariantCulture);
    }

    public override async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        await base.DisposeAsync();
        await Dns.DisposeAsync();
    }
}

public sealed class MxDeliveryTests(DnsOutboundServer server) : IClassFixture<DnsOutboundServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Delivered_to_the_mx_found_through_the_development_resolver()
    {
        var sender = await server.CreateAccountAsync();
        var domain = ApiServer.UniqueDomain();
        server.Dns.Mx[domain] = [(10, "mx1." + domain)];
        server.Dns.Addresses["mx1." + domain] = [IPAddress.Loopback];
        var rcpt = "dana@" + domain;
        var raw = $"From: <{sender.Address}>\r\nTo: <{rcpt}>\r\nSubject: via MX\r\n\r\nhello\r\n";

        var id = await server.SendAsync(sender.Id, sender.Address, raw, rcpt);
        await server.WaitForStateAsync(id, "delivered");

        Assert.Equal(raw, Assert.Single(server.Sink.For(rcpt)).WithoutDkimSignature());
    }

    [Fact]
    public async Task A_null_mx_domain_fails_at_once_with_a_dsn()
    {
        var sender = await server.CreateAccountAsync();
        var domain = ApiServer.UniqueDomain();
        server.Dns.Mx[domain] = [(0, ".")];
        var rcpt = "eve@" + domain;

        var id = await server.SendAsync(sender.Id, sender.Address, $"From: <{sender.Address}>\r\nTo: <{rcpt}>\r\nSubject: null mx\r\n\r\nx\r\n", rcpt);
        var entry = await server.WaitForStateAsync(id, "failed");

        Assert.Equal(1, entry.Attempts);
        var dsn = MimeMessage.Load(new MemoryStream(Assert.Single(await server.InboxAsync(sender.Id))), Ct);
        var status = Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(dsn.Body)[1]);
        Assert.Contains(status.StatusGroups, g => g["Status"] == "5.1.10");
    }
}
