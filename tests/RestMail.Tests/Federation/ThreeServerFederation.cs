using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RestMail.Storage.Federation;
using RestMail.Tests.Infrastructure;
using RestMail.Tests.Interop;

namespace RestMail.Tests.Federation;

/// <summary>
/// The acceptance setting of issue 6: three REST Mail servers (alpha, bravo, charlie) for three
/// domains of the zone e2e.test, each on its own loopback address with the standard ports (SMTP 25,
/// HTTPS 443, so outbound mail needs no port override), one DNS server for the zone on 127.0.0.10:53
/// with MX, A, SPF, DKIM, DMARC and _restmail records as each server's admin DNS listing gives them,
/// a test CA for HTTPS, and a real Postfix on 127.0.0.14:25 as the legacy domain.
/// </summary>
/// <remarks>
/// Postfix finds the REST Mail domains through its transport map, not through the test DNS server:
/// it resolves with the C library, which reads /etc/resolv.conf, and pointing that at a test server
/// would change name resolution for the whole machine. The map routes each domain to the address its
/// MX record names, which is what DNS would give. The REST Mail servers do resolve everything,
/// Postfix's MX included, through the test DNS server (RestMail:Dns:Servers).
/// Binding 25, 443 and 53 needs root, as Postfix does anyway.
/// </remarks>
public sealed class ThreeServerFederation(PostgresServer postgres) : IAsyncLifetime
{
    public const string Zone = "e2e.test";
    public const string LegacyDomain = "legacy." + Zone, LegacyHost = "mx.legacy." + Zone, LegacyMailbox = "alice";

    private static readonly IPAddress DnsAddress = IPAddress.Parse("127.0.0.10"), LegacyAddress = IPAddress.Parse("127.0.0.14");
    private readonly List<SmtpSessionCounter> _counters = [];
    private int _domains;

    public TestDnsServer Dns { get; } = new(new IPEndPoint(DnsAddress, 53));

    public TestCertificateAuthority Ca { get; } = new();

    /// <summary>The clock of every server's federation key store and key cache (see <see cref="FederationHost.KeyClock"/>).</summary>
    public ShiftedClock KeyClock { get; } = new();

    public FederationServer Alpha { get; private set; } = null!;

    public FederationServer Bravo { get; private set; } = null!;

    public FederationServer Charlie { get; private set; } = null!;

    public PostfixInstance Legacy { get; } = new(LegacyDomain, LegacyAddress, 25);

    /// <summary>MX sessions each server accepted, by server.</summary>
    public IReadOnlyDictionary<FederationServer, SmtpSessionCounter> SmtpSessions { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var counters = new Dictionary<FederationServer, SmtpSessionCounter>();
        // One after the other: three silos starting at once on 2 cores only makes each slow.
        Alpha = await StartAsync("alpha", IPAddress.Parse("127.0.0.11"), counters);
        Bravo = await StartAsync("bravo", IPAddress.Parse("127.0.0.12"), counters);
        Charlie = await StartAsync("charlie", IPAddress.Parse("127.0.0.13"), counters);
        SmtpSessions = counters;
        foreach (var server in new[] { Alpha, Bravo, Charlie })
            await PublishDomainAsync(server, HomeDomain(server));

        // The legacy domain publishes what an ordinary Postfix site would: MX, A, SPF, DMARC; no DKIM, no _restmail.
        Dns.Addresses[LegacyHost] = [LegacyAddress];
        Dns.Mx[LegacyDomain] = [(10, LegacyHost)];
        Dns.Txt[LegacyDomain] = [$"v=spf1 ip4:{LegacyAddress} -all"];
        Dns.Txt["_dmarc." + LegacyDomain] = ["v=DMARC1; p=none"];
        await Legacy.StartAsync([LegacyMailbox], new[] { Alpha, Bravo, Charlie }.ToDictionary(HomeDomain, s => $"{s.Host.Address}:25"));
    }

    private async Task<FederationServer> StartAsync(string label, IPAddress address, Dictionary<FederationServer, SmtpSessionCounter> counters)
    {
        var name = $"mx.{label}.{Zone}";
        Dns.Addresses[name] = [address];
        var server = new FederationServer(postgres, new FederationHost(name, address, 443, 25, 25, Ca.IssuePem(name), Ca.PemPath, Dns, KeyClock));
        await server.InitializeAsync();
        var counter = new SmtpSessionCounter(server.Services);
        _counters.Add(counter);
        counters[server] = counter;
        return server;
    }

    /// <summary>The domain a server is home to: alpha.e2e.test for mx.alpha.e2e.test.</summary>
    public static string HomeDomain(FederationServer server) => server.Host.Name["mx.".Length..];

    /// <summary>A domain of its own for one test, hosted on <paramref name="server"/> and published like the home domains.</summary>
    public async Task<string> NewDomainAsync(FederationServer server, bool restmailTxt = true, Uri? endpoint = null)
    {
        var domain = $"t{Interlocked.Increment(ref _domains)}-{Guid.NewGuid():N}"[..14] + "." + Zone;
        await PublishDomainAsync(server, domain, restmailTxt, endpoint);
        return domain;
    }

    /// <summary>
    /// Creates the domain on the server and publishes in the test zone exactly the records that
    /// GET /v1/admin/domains/{name}/dns lists for it; without its _restmail record when asked, or with
    /// another endpoint in it.
    /// </summary>
    private async Task PublishDomainAsync(FederationServer server, string domain, bool restmailTxt = true, Uri? endpoint = null)
    {
        Assert.True((await server.Directory.CreateDomainAsync(domain, null, default)).IsOk);
        var (_, admin) = await server.CreateSignedInAsync(admin: true);
        using (admin)
        {
            var records = await admin.GetFromJsonAsync<JsonElement>($"/v1/admin/domains/{domain}/dns", TestContext.Current.CancellationToken);
            foreach (var record in records.EnumerateArray())
            {
                var name = record.GetProperty("name").GetString()!.TrimEnd('.');
                var value = record.GetProperty("value").GetString()!;
                switch (record.GetProperty("type").GetString())
                {
                    case "MX":
                        var parts = value.Split(' ');
                        Dns.Mx[name] = [(ushort.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), parts[1].TrimEnd('.'))];
                        break;
                    case "TXT" when name == FederationDiscovery.TxtName(domain):
                        if (restmailTxt)
                            Dns.Txt[name] = [endpoint is null ? value : FederationDiscovery.TxtValue(endpoint)];
                        break;
                    case "TXT":
                        Dns.Txt.AddOrUpdate(name, [value], (_, existing) => [.. existing, value]);
                        break;
                    default:
                        Assert.Fail($"Unexpected record type in the DNS listing: {record}");
                        break;
                }
            }
        }
        Assert.True(Dns.Mx.ContainsKey(domain) && Dns.Txt.ContainsKey("_dmarc." + domain) && Dns.Txt.Keys.Any(k => k.EndsWith("._domainkey." + domain, StringComparison.OrdinalIgnoreCase)),
            $"The listing for {domain} lacks MX, DMARC or DKIM.");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var counter in _counters)
            counter.Dispose();
        await Legacy.DisposeAsync();
        foreach (var server in new[] { Alpha, Bravo, Charlie })
        {
            if (server is not null)
                await server.DisposeAsync();
        }
        await Dns.DisposeAsync();
        Ca.Dispose();
    }
}
