using System.Net;
using Microsoft.Extensions.Options;
using RestMail.Grains.Queue;
using RestMail.Storage.Dns;
using RestMail.Storage.Queue;

namespace RestMail.Tests.Outbound;

/// <summary>MX resolution through the development resolver (RestMail:Dns:Servers) against an in-test DNS server.</summary>
public sealed class MxResolverTests : IAsyncLifetime
{
    private readonly TestDnsServer _dns = new();
    private MxResolver _resolver = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        var options = new DnsOptions { Timeout = TimeSpan.FromSeconds(2) };
        options.Servers.Add($"127.0.0.1:{_dns.Port}");
        _resolver = new MxResolver(DnsServiceCollectionExtensions.Create(options), Options.Create(new OutboundOptions { Port = 2525 }));
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await _dns.DisposeAsync();

    [Fact]
    public async Task Mx_records_are_tried_by_preference_and_resolved_through_the_same_server()
    {
        _dns.Mx["pref.test"] = [(20, "backup.pref.test"), (10, "primary.pref.test")];
        _dns.Addresses["primary.pref.test"] = [IPAddress.Parse("127.0.0.10"), IPAddress.Parse("::1")];
        _dns.Addresses["backup.pref.test"] = [IPAddress.Parse("127.0.0.20")];

        var route = await _resolver.ResolveAsync("pref.test", Ct);

        Assert.Null(route.Failure);
        Assert.Equal(
            [("primary.pref.test", "127.0.0.10"), ("primary.pref.test", "::1"), ("backup.pref.test", "127.0.0.20")],
            route.Targets.Select(t => (t.Host, t.Address)));
        Assert.All(route.Targets, t => Assert.Equal(2525, t.Port));
    }

    [Fact]
    public async Task Without_mx_the_domain_itself_is_used()
    {
        _dns.Addresses["plain.test"] = [IPAddress.Parse("127.0.0.30")];

        var route = await _resolver.ResolveAsync("plain.test", Ct);

        Assert.Equal("127.0.0.30", Assert.Single(route.Targets).Address);
    }

    [Fact]
    public async Task Null_mx_and_a_missing_domain_fail_permanently_and_no_address_defers()
    {
        _dns.Mx["nomail.test"] = [(0, ".")];
        _dns.Missing["gone.test"] = true;
        _dns.Mx["broken.test"] = [(10, "nowhere.broken.test")];

        var nullMx = await _resolver.ResolveAsync("nomail.test", Ct);
        var missing = await _resolver.ResolveAsync("gone.test", Ct);
        var broken = await _resolver.ResolveAsync("broken.test", Ct);

        Assert.Equal(RecipientOutcomeKind.Failed, nullMx.Failure);
        Assert.StartsWith("5.1.10", nullMx.Detail, StringComparison.Ordinal);
        Assert.Equal(RecipientOutcomeKind.Failed, missing.Failure);
        Assert.StartsWith("5.1.2", missing.Detail, StringComparison.Ordinal);
        Assert.Equal(RecipientOutcomeKind.Deferred, broken.Failure);
    }

    [Fact]
    public void Static_routes_parse_host_and_port()
    {
        Assert.Equal(new MailTarget("127.0.0.1", "127.0.0.1", 2526), MxResolver.ParseStatic("127.0.0.1:2526", 25));
        Assert.Equal(new MailTarget("smtp.example", "smtp.example", 587), MxResolver.ParseStatic("smtp.example:587", 25));
        Assert.Equal(new MailTarget("smtp.example", "smtp.example", 25), MxResolver.ParseStatic("smtp.example", 25));
        Assert.Equal(new MailTarget("::1", "::1", 2526), MxResolver.ParseStatic("[::1]:2526", 25));
    }
}
