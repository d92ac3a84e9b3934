using System.Net;
using RestMail.Storage.MailAuth;

namespace RestMail.Tests.MailAuth;

/// <summary>check_host() (RFC 7208) against records published in the in-test DNS server.</summary>
public sealed class SpfCheckerTests(MailAuthDnsFixture dns) : IClassFixture<MailAuthDnsFixture>
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");
    private static readonly IPAddress Other = IPAddress.Parse("198.51.100.7");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A fresh domain whose SPF record is <paramref name="record"/>.</summary>
    private string Publish(string record)
    {
        var domain = MailAuthDnsFixture.NewDomain();
        dns.Server.Txt[domain] = [record];
        return domain;
    }

    private async Task<SpfResult> CheckAsync(string domain, IPAddress? client = null) =>
        (await dns.Spf.CheckAsync(client ?? Client, "alice@" + domain, "client.example.net", Ct)).Result;

    [Fact]
    public async Task Ip4_matches_its_network_and_the_qualifier_decides()
    {
        var domain = Publish("v=spf1 ip4:192.0.2.0/24 -all");
        Assert.Equal(SpfResult.Pass, await CheckAsync(domain));
        Assert.Equal(SpfResult.Fail, await CheckAsync(domain, Other));
    }

    [Fact]
    public async Task Ip4_without_a_length_matches_one_address_and_accepts_host_bits_with_a_length()
    {
        Assert.Equal(SpfResult.Pass, await CheckAsync(Publish("v=spf1 ip4:192.0.2.10 -all")));
        Assert.Equal(SpfResult.Fail, await CheckAsync(Publish("v=spf1 ip4:192.0.2.11 -all")));
        Assert.Equal(SpfResult.Pass, await CheckAsync(Publish("v=spf1 ip4:192.0.2.99/25 -all")));
    }

    [Fact]
    public async Task Ip6_matches_IPv6_clients_only()
    {
        var domain = Publish("v=spf1 ip6:2001:db8::/32 ~all");
        Assert.Equal(SpfResult.Pass, await CheckAsync(domain, IPAddress.Parse("2001:db8:1::5")));
        Assert.Equal(SpfResult.SoftFail, await CheckAsync(domain, IPAddress.Parse("2001:db9::5")));
        Assert.Equal(SpfResult.SoftFail, await CheckAsync(domain));
    }

    [Fact]
    public async Task An_IPv4_mapped_IPv6_client_is_checked_as_IPv4()
    {
        var domain = Publish("v=spf1 ip4:192.0.2.0/24 -all");
        Assert.Equal(SpfResult.Pass, await CheckAsync(domain, Client.MapToIPv6()));
    }

    [Fact]
    public async Task A_matches_the_domains_addresses_with_an_optional_cidr_length()
    {
        var domain = Publish("v=spf1 a -all");
        dns.Server.Addresses[domain] = [Client];
        Assert.Equal(SpfResult.Pass, await CheckAsync(domain));
        Assert.Equal(SpfResult.Fail, await CheckAsync(domain, Other));

        var hosts = MailAuthDnsFixture.NewDomain();
        dns.Server.Addresses["web." + hosts] = [IPAddress.Parse("198.51.100.1"), IPAddress.Parse("2001:db8::1")];
        var wide = Publish($"v=spf1 a:web.{hosts}/24//64 -all");
        Assert.Equal(SpfResult.Pass, await CheckAsync(wide, Other));
        Assert.Equal(SpfResult.Pass, await CheckAsync(wide, IPAddress.Parse("2001:db8::ffff")));
        Assert.Equal(SpfResult.Fail, await CheckAsync(wide, Client));
    }

    [Fact]
    public async Task Mx_matches_the_addresses_of_the_domains_mail_exchangers()
    {
        var domain = Publish("v=spf1 mx -all");
        dns.Server.Mx[domain] = [(10, "mx1." + domain), (20, "mx2." + domain)];
        dns.Server.Addresses["mx1." + domain] = [Other];
        dns.Server.Addresses["mx2." + domain] = [Client];
        Assert.Equal(SpfResult.Pass, await CheckAsync(domain));
        Assert.Equal(SpfResult.Fail, await CheckAsync(domain, IPAddress.Parse("203.0.113.1")));
    }

    [Fact]
    public async Task More_than_ten_MX_names_is_a_permerror()
    {
        var domain = Publish("v=spf1 mx -all");
        dns.Server.Mx[domain] = [.. Enumerable.Range(1, 11).Select(i => ((ushort)i, $"mx{i}.{domain}"))];
        Assert.Equal(SpfResult.PermError, await CheckAsync(domain));
    }

    [Fact]
    public async Task Ptr_matches_a_validated_reverse_name_within_the_domain()
    {
        var domain = Publish("v=spf1 ptr -all");
        var client = IPAddress.Parse("192.0.2.201");
        dns.Server.AddPtr(client, "host." + domain);
        dns.Server.Addresses["host." + domain] = [client];
        Assert.Equal(SpfResult.Pass, await CheckAsync(domain, client));

        // A reverse name whose forward lookup does not give the client back is not validated.
        var spoofed = IPAddress.Parse("192.0.2.202");
        dns.Server.AddPtr(spoofed, "liar." + domain);
        dns.Server.Addresses["liar." + domain] = [Other];
        Assert.Equal(SpfResult.Fail, await CheckAsync(domain, spoofed));
    }

    [Fact]
    public async Task Exists_matches_when_the_expanded_name_has_an_A_record()
    {
        var zone = MailAuthDnsFixture.NewDomain();
        var domain = Publish($"v=spf1 exists:%{{i}}.%{{l}}.allow.{zone} -all");
        dns.Server.Addresses[$"192.0.2.10.alice.allow.{zone}"] = [IPAddress.Parse("127.0.0.2")];
        Assert.Equal(SpfResult.Pass, await CheckAsync(domain));
        Assert.Equal(SpfResult.Fail, await CheckAsync(domain, Other));
    }

    [Theory]
    [InlineData("v=spf1 +all", SpfResult.Pass)]
    [InlineData("v=spf1 all", SpfResult.Pass)]
    [InlineData("v=spf1 -all", SpfResult.Fail)]
    [InlineData("v=spf1 ~all", SpfResult.SoftFail)]
    [InlineData("v=spf1 ?all", SpfResult.Neutral)]
    [InlineData("v=spf1 ip4:198.51.100.0/24", SpfResult.Neutral)]
    [InlineData("v=spf1", SpfResult.Neutral)]
    [InlineData("V=SPF1 IP4:192.0.2.0/24 -ALL", SpfResult.Pass)]
    [InlineData("v=spf1 unknown-modifier=whatever ip4:192.0.2.10 -all", SpfResult.Pass)]
    public async Task Qualifiers_and_defaults(string record, SpfResult expected) =>
        Assert.Equal(expected, await CheckAsync(Publish(record)));

    [Fact]
    public async Task Include_matches_on_pass_only_and_continues_otherwise()
    {
        var partner = Publish("v=spf1 ip4:192.0.2.0/24 -all");
        var domain = Publish($"v=spf1 include:{partner} ~all");
        Assert.Equal(SpfResult.Pass, await CheckAsync(domain));
        // The included -all does not match: evaluation goes on to ~all.
        Assert.Equal(SpfResult.SoftFail, await CheckAsync(domain, Other));
    }

    [Fact]
    public async Task Include_of_a_domain_without_a_record_is_a_permerror()
    {
        var domain = Publish($"v=spf1 include:{MailAuthDnsFixture.NewDomain()} -all");
        Assert.Equal(SpfResult.PermError, await CheckAsync(domain));
    }

    [Fact]
    public async Task Redirect_hands_the_check_to_another_domain()
    {
        var target = Publish("v=spf1 ip4:192.0.2.0/24 -all");
        var domain = Publish($"v=spf1 ip4:203.0.113.0/24 redirect={target}");
        Assert.Equal(SpfResult.Pass, await CheckAsync(domain));
        Assert.Equal(SpfResult.Fail, await CheckAsync(domain, Other));
    }

    [Fact]
    public async Task Redirect_to_a_domain_without_a_record_is_a_permerror_and_all_overrides_redirect()
    {
        Assert.Equal(SpfResult.PermError, await CheckAsync(Publish($"v=spf1 redirect={MailAuthDnsFixture.NewDomain()}")));
        var target = Publish("v=spf1 +all");
        Assert.Equal(SpfResult.Fail, await CheckAsync(Publish($"v=spf1 redirect={target} -all"), Other));
    }

    [Fact]
    public async Task Macros_expand_in_mechanisms_with_the_sender_and_helo()
    {
        var zone = MailAuthDnsFixture.NewDomain();
        var domain = Publish($"v=spf1 exists:%{{l}}.%{{o}}.%{{h}}.{zone} -all");
        dns.Server.Addresses[$"alice.{domain}.client.example.net.{zone}"] = [IPAddress.Parse("127.0.0.2")];
        Assert.Equal(SpfResult.Pass, await CheckAsync(domain));
    }

    [Fact]
    public async Task An_eleventh_DNS_querying_term_is_a_permerror()
    {
        var zone = MailAuthDnsFixture.NewDomain();
        for (var i = 1; i <= 11; i++)
            dns.Server.Addresses[$"n{i}.{zone}"] = [i == 11 ? Client : Other];
        var eleven = string.Join(' ', Enumerable.Range(1, 11).Select(i => $"a:n{i}.{zone}"));
        Assert.Equal(SpfResult.PermError, await CheckAsync(Publish($"v=spf1 {eleven} -all")));

        dns.Server.Addresses[$"n10.{zone}"] = [Client];
        var ten = string.Join(' ', Enumerable.Range(1, 10).Select(i => $"a:n{i}.{zone}"));
        Assert.Equal(SpfResult.Pass, await CheckAsync(Publish($"v=spf1 {ten} -all")));
    }

    [Fact]
    public async Task The_lookup_limit_counts_across_includes()
    {
        // A chain of includes, each one more lookup: the 11th include is over the limit.
        var last = Publish("v=spf1 +all");
        for (var i = 0; i < 10; i++)
            last = Publish($"v=spf1 include:{last} -all");
        Assert.Equal(SpfResult.Pass, await CheckAsync(last));
        Assert.Equal(SpfResult.PermError, await CheckAsync(Publish($"v=spf1 include:{last} -all")));
    }

    [Fact]
    public async Task An_include_loop_ends_at_the_lookup_limit()
    {
        var first = MailAuthDnsFixture.NewDomain();
        var second = Publish($"v=spf1 include:{first} -all");
        dns.Server.Txt[first] = [$"v=spf1 include:{second} -all"];
        Assert.Equal(SpfResult.PermError, await CheckAsync(first));
        var self = MailAuthDnsFixture.NewDomain();
        dns.Server.Txt[self] = [$"v=spf1 redirect={self}"];
        Assert.Equal(SpfResult.PermError, await CheckAsync(self));
    }

    [Fact]
    public async Task A_third_void_lookup_is_a_permerror()
    {
        var zone = MailAuthDnsFixture.NewDomain();
        dns.Server.Missing["gone." + zone] = true;
        Assert.Equal(SpfResult.Fail, await CheckAsync(Publish($"v=spf1 a:none1.{zone} a:gone.{zone} -all")));
        Assert.Equal(SpfResult.PermError, await CheckAsync(Publish($"v=spf1 a:none1.{zone} a:gone.{zone} mx:none2.{zone} -all")));
    }

    [Fact]
    public async Task No_record_is_none()
    {
        var plain = MailAuthDnsFixture.NewDomain();
        Assert.Equal(SpfResult.None, await CheckAsync(plain));
        dns.Server.Txt[plain] = ["google-site-verification=abc", "v=spf10 -all"];
        Assert.Equal(SpfResult.None, await CheckAsync(plain));
        var missing = MailAuthDnsFixture.NewDomain();
        dns.Server.Missing[missing] = true;
        Assert.Equal(SpfResult.None, await CheckAsync(missing));
    }

    [Theory]
    [InlineData("v=spf1 ip4:300.1.1.1 -all")]
    [InlineData("v=spf1 ip4:192.0.2.0/33 -all")]
    [InlineData("v=spf1 ip4:192.0.2 -all")]
    [InlineData("v=spf1 ip6:192.0.2.1 -all")]
    [InlineData("v=spf1 foo:bar.example -all")]
    [InlineData("v=spf1 include -all")]
    [InlineData("v=spf1 all:x.example")]
    [InlineData("v=spf1 a:%{z}.example -all")]
    [InlineData("v=spf1 redirect=a.example redirect=b.example")]
    [InlineData("v=spf1 exp=a.example exp=b.example -all")]
    [InlineData("v=spf1 a:example.123 -all")]
    [InlineData("v=spf1 -all ip4:bogus")]
    public async Task A_syntax_error_anywhere_is_a_permerror(string record) =>
        Assert.Equal(SpfResult.PermError, await CheckAsync(Publish(record)));

    [Fact]
    public async Task Two_SPF_records_are_a_permerror()
    {
        var domain = MailAuthDnsFixture.NewDomain();
        dns.Server.Txt[domain] = ["v=spf1 +all", "v=spf1 -all"];
        Assert.Equal(SpfResult.PermError, await CheckAsync(domain));
    }

    [Fact]
    public async Task A_record_split_into_several_strings_is_joined()
    {
        // Longer than 255 octets: the test server sends it as two character-strings.
        var padding = string.Join(' ', Enumerable.Range(0, 30).Select(i => $"ip4:203.0.113.{i}"));
        Assert.Equal(SpfResult.Pass, await CheckAsync(Publish($"v=spf1 {padding} ip4:192.0.2.10 -all")));
    }

    [Fact]
    public async Task A_server_failure_is_a_temperror()
    {
        var domain = MailAuthDnsFixture.NewDomain();
        dns.Server.Failing[domain] = true;
        Assert.Equal(SpfResult.TempError, await CheckAsync(domain));

        var broken = MailAuthDnsFixture.NewDomain();
        dns.Server.Failing[broken] = true;
        Assert.Equal(SpfResult.TempError, await CheckAsync(Publish($"v=spf1 include:{broken} -all")));
        Assert.Equal(SpfResult.TempError, await CheckAsync(Publish($"v=spf1 a:{broken} -all")));
    }

    [Fact]
    public async Task A_DNS_timeout_is_a_temperror()
    {
        var domain = MailAuthDnsFixture.NewDomain();
        dns.Server.Silent[domain] = true;
        Assert.Equal(SpfResult.TempError, await CheckAsync(domain));
    }

    [Fact]
    public async Task The_null_sender_is_checked_by_its_HELO_name()
    {
        var helo = Publish("v=spf1 ip4:192.0.2.10 -all");
        var verdict = await dns.Spf.CheckAsync(Client, "", helo, Ct);
        Assert.Equal(new SpfVerdict(SpfResult.Pass, "helo", helo, helo), verdict);
        Assert.Equal(SpfResult.Fail, (await dns.Spf.CheckAsync(Other, "", helo, Ct)).Result);
        // An address literal is not a domain: no policy.
        Assert.Equal(SpfResult.None, (await dns.Spf.CheckAsync(Client, "", "[192.0.2.10]", Ct)).Result);
    }

    [Fact]
    public async Task An_internationalised_MAIL_FROM_domain_is_looked_up_by_its_A_labels()
    {
        var ascii = MailAuthDnsFixture.NewDomain();
        dns.Server.Txt["xn--bcher-kva." + ascii] = ["v=spf1 ip4:192.0.2.10 -all"];
        var verdict = await dns.Spf.CheckAsync(Client, $"k\u00e4the@b\u00fccher.{ascii}", "client.example.net", Ct);
        Assert.Equal(SpfResult.Pass, verdict.Result);
        Assert.Equal($"b\u00fccher.{ascii}", verdict.Domain);
    }

    [Fact]
    public async Task A_MAIL_FROM_verdict_names_the_address_and_its_domain()
    {
        var domain = Publish("v=spf1 ip4:192.0.2.10 -all");
        var verdict = await dns.Spf.CheckAsync(Client, $"bob@{domain}", "client.example.net", Ct);
        Assert.Equal(new SpfVerdict(SpfResult.Pass, "mailfrom", $"bob@{domain}", domain), verdict);
    }
}
