using RestMail.Storage.MailAuth;

namespace RestMail.Tests.MailAuth;

/// <summary>DMARC policy discovery and alignment (RFC 7489) over the in-test DNS server.</summary>
public sealed class DmarcCheckerTests(MailAuthDnsFixture dns) : IClassFixture<MailAuthDnsFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static SpfVerdict SpfPass(string domain) => new(SpfResult.Pass, "mailfrom", "bounce@" + domain, domain);

    private static DkimSignatureVerdict Dkim(DkimResult result, string domain) => new(result, domain, "s1", "abc");

    private string PublishPolicy(string record)
    {
        var domain = MailAuthDnsFixture.NewDomain();
        dns.Server.Txt["_dmarc." + domain] = [record];
        return domain;
    }

    [Fact]
    public async Task Aligned_SPF_passes_and_the_policy_is_reported()
    {
        var domain = PublishPolicy("v=DMARC1; p=reject; pct=50");
        var verdict = await dns.Dmarc().CheckAsync(domain, SpfPass(domain), [], Ct);
        Assert.Equal(new DmarcVerdict(DmarcResult.Pass, domain, DmarcPolicy.Reject, 50), verdict);
    }

    [Fact]
    public async Task Aligned_DKIM_passes_even_when_SPF_fails()
    {
        var domain = PublishPolicy("v=DMARC1; p=quarantine");
        var spf = new SpfVerdict(SpfResult.Fail, "mailfrom", "x@" + domain, domain);
        var verdict = await dns.Dmarc().CheckAsync(domain, spf, [Dkim(DkimResult.Pass, domain)], Ct);
        Assert.Equal(DmarcResult.Pass, verdict.Result);
        Assert.Equal(DmarcPolicy.Quarantine, verdict.Policy);
    }

    [Fact]
    public async Task Unaligned_or_failed_authentication_fails()
    {
        var domain = PublishPolicy("v=DMARC1; p=reject");
        var other = MailAuthDnsFixture.NewDomain();
        var verdict = await dns.Dmarc().CheckAsync(domain, SpfPass(other), [Dkim(DkimResult.Pass, other), Dkim(DkimResult.Fail, domain)], Ct);
        Assert.Equal(new DmarcVerdict(DmarcResult.Fail, domain, DmarcPolicy.Reject, 100), verdict);
    }

    [Fact]
    public async Task Relaxed_alignment_accepts_a_subdomain_and_strict_alignment_does_not()
    {
        var relaxed = PublishPolicy("v=DMARC1; p=reject");
        Assert.Equal(DmarcResult.Pass, (await dns.Dmarc().CheckAsync(relaxed, SpfPass("bounces." + relaxed), [], Ct)).Result);
        Assert.Equal(DmarcResult.Pass, (await dns.Dmarc().CheckAsync(relaxed, null, [Dkim(DkimResult.Pass, "mail." + relaxed)], Ct)).Result);

        var strictSpf = PublishPolicy("v=DMARC1; p=reject; aspf=s");
        Assert.Equal(DmarcResult.Fail, (await dns.Dmarc().CheckAsync(strictSpf, SpfPass("bounces." + strictSpf), [], Ct)).Result);
        Assert.Equal(DmarcResult.Pass, (await dns.Dmarc().CheckAsync(strictSpf, null, [Dkim(DkimResult.Pass, "mail." + strictSpf)], Ct)).Result);

        var strictDkim = PublishPolicy("v=DMARC1; p=reject; adkim=s");
        Assert.Equal(DmarcResult.Fail, (await dns.Dmarc().CheckAsync(strictDkim, null, [Dkim(DkimResult.Pass, "mail." + strictDkim)], Ct)).Result);
        Assert.Equal(DmarcResult.Pass, (await dns.Dmarc().CheckAsync(strictDkim, null, [Dkim(DkimResult.Pass, strictDkim)], Ct)).Result);
    }

    [Fact]
    public async Task A_subdomain_without_a_record_uses_the_organizational_domains_subdomain_policy()
    {
        var organization = PublishPolicy("v=DMARC1; p=reject; sp=quarantine");
        var from = "news." + organization;
        var verdict = await dns.Dmarc().CheckAsync(from, SpfPass(from), [], Ct);
        Assert.Equal(new DmarcVerdict(DmarcResult.Pass, from, DmarcPolicy.Quarantine, 100), verdict);
        // Without sp= the subdomain gets p=.
        var plain = PublishPolicy("v=DMARC1; p=reject");
        Assert.Equal(DmarcPolicy.Reject, (await dns.Dmarc().CheckAsync("a.b." + plain, null, [], Ct)).Policy);
    }

    [Fact]
    public async Task The_organizational_domain_comes_from_the_public_suffix_list()
    {
        // Under the suffix "test" the organization of x.y.<org>.test is <org>.test; with "<org>.test"
        // itself listed as a suffix (like co.uk), the organization is one label further in.
        var org = PublishPolicy("v=DMARC1; p=reject");
        var suffixes = PublicSuffixList.FromRules(["test", org]);
        dns.Server.Txt["_dmarc.shop." + org] = ["v=DMARC1; p=quarantine"];
        var verdict = await dns.Dmarc(suffixes).CheckAsync("mail.shop." + org, null, [], Ct);
        Assert.Equal(DmarcPolicy.Quarantine, verdict.Policy);
        Assert.Equal(DmarcResult.Fail, verdict.Result);
    }

    [Fact]
    public async Task An_internationalised_From_domain_finds_its_record_by_A_labels_and_aligns_with_either_form()
    {
        var ascii = MailAuthDnsFixture.NewDomain();
        dns.Server.Txt["_dmarc.xn--bcher-kva." + ascii] = ["v=DMARC1; p=reject"];
        var verdict = await dns.Dmarc().CheckAsync($"b\u00fccher.{ascii}", SpfPass($"b\u00fccher.{ascii}"), [], Ct);
        Assert.Equal(new DmarcVerdict(DmarcResult.Pass, $"xn--bcher-kva.{ascii}", DmarcPolicy.Reject, 100), verdict);
    }

    [Fact]
    public async Task No_record_is_none_and_a_failing_DNS_is_a_temperror()
    {
        var nothing = MailAuthDnsFixture.NewDomain();
        Assert.Equal(new DmarcVerdict(DmarcResult.None, nothing), await dns.Dmarc().CheckAsync(nothing, SpfPass(nothing), [], Ct));

        var broken = MailAuthDnsFixture.NewDomain();
        dns.Server.Failing["_dmarc." + broken] = true;
        Assert.Equal(DmarcResult.TempError, (await dns.Dmarc().CheckAsync(broken, SpfPass(broken), [], Ct)).Result);
    }

    [Fact]
    public async Task A_temperror_in_SPF_or_DKIM_is_not_called_a_failure()
    {
        var domain = PublishPolicy("v=DMARC1; p=reject");
        var spf = new SpfVerdict(SpfResult.TempError, "mailfrom", "x@" + domain, domain);
        Assert.Equal(DmarcResult.TempError, (await dns.Dmarc().CheckAsync(domain, spf, [], Ct)).Result);
        Assert.Equal(DmarcResult.TempError, (await dns.Dmarc().CheckAsync(domain, null, [Dkim(DkimResult.TempError, domain)], Ct)).Result);
    }

    [Theory]
    [InlineData("v=DMARC1; p=none", DmarcPolicy.None)]
    [InlineData("v=DMARC1;p=QUARANTINE", DmarcPolicy.Quarantine)]
    [InlineData("v=DMARC1; p=bogus; rua=mailto:r@example.org", DmarcPolicy.None)]
    public void Records_parse(string record, DmarcPolicy policy) => Assert.Equal(policy, DmarcRecord.Parse(record)!.Policy);

    [Theory]
    [InlineData("v=DMARC1; p=bogus")]
    [InlineData("v=DMARC2; p=reject")]
    [InlineData("p=reject; v=DMARC1")]
    [InlineData("v=spf1 -all")]
    public void Unusable_records_are_ignored(string record) => Assert.Null(DmarcRecord.Parse(record));

    [Fact]
    public void Optional_tags_have_their_defaults()
    {
        Assert.Equal(new DmarcRecord(DmarcPolicy.Reject, DmarcPolicy.Reject, false, false, 100), DmarcRecord.Parse("v=DMARC1; p=reject"));
        Assert.Equal(new DmarcRecord(DmarcPolicy.None, DmarcPolicy.Reject, true, true, 10), DmarcRecord.Parse("v=DMARC1; p=none; sp=reject; adkim=s; aspf=s; pct=10"));
        Assert.Equal(100, DmarcRecord.Parse("v=DMARC1; p=none; pct=500")!.Percent);
    }
}
