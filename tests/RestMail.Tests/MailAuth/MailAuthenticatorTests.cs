using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RestMail.Storage.Hosting;
using RestMail.Storage.MailAuth;

namespace RestMail.Tests.MailAuth;

/// <summary>All three checks together: the author domain, the time limit, and the field they produce.</summary>
public sealed class MailAuthenticatorTests(MailAuthDnsFixture dns) : IClassFixture<MailAuthDnsFixture>
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private MailAuthenticator Create(TimeSpan? timeout = null) => new(
        dns.Spf,
        dns.Dkim,
        dns.Dmarc(),
        Options.Create(new MailAuthOptions { Timeout = timeout ?? TimeSpan.FromSeconds(30) }),
        Options.Create(new RestMailOptions { Hostname = "mx.example.net" }),
        NullLogger<MailAuthenticator>.Instance);

    private static byte[] Raw(string headers) => System.Text.Encoding.ASCII.GetBytes(headers + "\r\n\r\nbody\r\n");

    [Fact]
    public async Task A_signed_message_from_a_publishing_domain_passes_everything()
    {
        var domain = MailAuthDnsFixture.NewDomain();
        dns.Server.Txt[domain] = ["v=spf1 ip4:192.0.2.0/24 -all"];
        dns.Server.Txt["_dmarc." + domain] = ["v=DMARC1; p=quarantine"];
        var key = SignedMessages.PublishKey(dns.Server, domain);
        var message = SignedMessages.New($"alice@{domain}", "bob@example.net", "all pass");
        SignedMessages.Sign(message, key);

        var authenticator = Create();
        var report = await authenticator.CheckAsync(Client, "client.example.net", $"alice@{domain}", SignedMessages.ToBytes(message), Ct);

        Assert.Equal(new SpfVerdict(SpfResult.Pass, "mailfrom", $"alice@{domain}", domain), report.Spf);
        Assert.Equal(DkimResult.Pass, Assert.Single(report.Dkim).Result);
        Assert.Equal(new DmarcVerdict(DmarcResult.Pass, domain, DmarcPolicy.Quarantine, 100), report.Dmarc);
        Assert.StartsWith("Authentication-Results: mx.example.net;\r\n\tspf=pass ", authenticator.InboundField(report), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Checks_still_running_at_the_time_limit_become_temperror()
    {
        var domain = MailAuthDnsFixture.NewDomain();
        dns.Server.Silent[domain] = true;
        dns.Server.Silent["_dmarc." + domain] = true;
        var report = await Create(TimeSpan.FromMilliseconds(50)).CheckAsync(Client, "client.example.net", $"alice@{domain}", Raw($"From: alice@{domain}"), Ct);
        Assert.Equal(new SpfVerdict(SpfResult.TempError, "mailfrom", $"alice@{domain}", domain), report.Spf);
        Assert.Empty(report.Dkim);
        Assert.Equal(DmarcResult.TempError, report.Dmarc.Result);
        Assert.Equal(domain, report.Dmarc.FromDomain);
    }

    [Fact]
    public async Task A_message_without_From_has_no_DMARC_and_several_author_domains_are_a_permerror()
    {
        var none = await Create().CheckAsync(Client, "client.example.net", "", Raw("Subject: no author"), Ct);
        Assert.Equal(new DmarcVerdict(DmarcResult.None, null), none.Dmarc);
        Assert.Equal("helo", none.Spf.Identity);

        var two = await Create().CheckAsync(Client, "client.example.net", "a@example.org", Raw("From: a@example.org, b@example.com"), Ct);
        Assert.Equal(DmarcResult.PermError, two.Dmarc.Result);
    }

    [Fact]
    public void Submission_fields_name_the_user()
    {
        Assert.Equal("Authentication-Results: mx.example.net;\r\n\tauth=pass smtp.auth=alice@example.org\r\n", Create().SubmissionField("alice@example.org"));
    }

    [Fact]
    public void The_authserv_id_is_the_hostname() => Assert.Equal("mx.example.net", Create().AuthservId);

    [Fact]
    public async Task The_callers_cancellation_is_not_turned_into_a_result()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var domain = MailAuthDnsFixture.NewDomain();
        dns.Server.Silent[domain] = true;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Create().CheckAsync(Client, "client.example.net", $"a@{domain}", Raw($"From: a@{domain}"), cancelled.Token));
    }
}
