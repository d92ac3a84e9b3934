using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using RestMail.Grains.Federation;
using RestMail.Storage.Accounts;
using RestMail.Storage.Federation;
using RestMail.Tests.Hosting;
using RestMail.Tests.Infrastructure;
using RestMail.Tests.Outbound;

namespace RestMail.Tests.Federation;

/// <summary>
/// Two REST Mail servers in one process — A (mx-a.fed.test, the sender in these tests) and B
/// (mx-b.fed.test, the receiver) — on their own databases, with HTTPS certificates from a test CA
/// that each trusts through RestMail:Federation:TrustedCaPath, and one test DNS server for both.
/// Tests make their own domains, so they share the pair without depending on each other.
/// </summary>
public sealed class FederationPair(PostgresServer postgres) : IAsyncLifetime
{
    public const string NameA = "mx-a.fed.test", NameB = "mx-b.fed.test";

    public TestDnsServer Dns { get; } = new();

    public TestCertificateAuthority Ca { get; } = new();

    public FederationServer A { get; private set; } = null!;

    public FederationServer B { get; private set; } = null!;

    // Addresses of their own in 127/8, so ports other test runs on this machine hold on 127.0.0.1 do not collide.
    private static readonly IPAddress AddressA = IPAddress.Parse("127.0.77.1"), AddressB = IPAddress.Parse("127.0.77.2");

    public async ValueTask InitializeAsync()
    {
        Dns.Addresses[NameA] = [AddressA];
        Dns.Addresses[NameB] = [AddressB];
        // Free ports are only free when asked; if one was taken meanwhile, start again on new ones.
        for (var attempt = 1; ; attempt++)
        {
            int smtpA = FreePort.Next(), smtpB = FreePort.Next();
            A = new FederationServer(postgres, new FederationHost(NameA, AddressA, FreePort.Next(), smtpA, smtpB, Ca.IssuePem(NameA), Ca.PemPath, Dns));
            B = new FederationServer(postgres, new FederationHost(NameB, AddressB, FreePort.Next(), smtpB, smtpA, Ca.IssuePem(NameB), Ca.PemPath, Dns));
            try
            {
                // One after the other: two silos starting at once on 2 cores only makes both slow.
                await B.InitializeAsync();
                await A.InitializeAsync();
                return;
            }
            catch (Exception e) when (attempt < 5 && IsAddressInUse(e))
            {
                await A.DisposeAsync();
                await B.DisposeAsync();
            }
        }
    }

    private static bool IsAddressInUse(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse })
                return true;
        }
        return false;
    }

    /// <summary>
    /// A sender account on A whose domain publishes its _restmail record (so B can find its keys), and
    /// a recipient account on B whose domain's MX is B; its _restmail record only when asked.
    /// </summary>
    public async Task<(AccountRecord Sender, AccountRecord Recipient)> CreatePeersAsync(bool recipientTxt = true, Uri? recipientEndpoint = null)
    {
        var sender = await A.CreateAccountAsync();
        var recipient = await B.CreateAccountAsync();
        var senderDomain = DomainOf(sender.Address);
        var recipientDomain = DomainOf(recipient.Address);
        Dns.Txt[FederationDiscovery.TxtName(senderDomain)] = [FederationDiscovery.TxtValue(A.Endpoint)];
        Dns.Mx[recipientDomain] = [(10, NameB)];
        if (recipientTxt)
            Dns.Txt[FederationDiscovery.TxtName(recipientDomain)] = ["v=spf1 -all", FederationDiscovery.TxtValue(recipientEndpoint ?? B.Endpoint)];
        return (sender, recipient);
    }

    /// <summary>A's HTTPS client for federation: it resolves through the test DNS and trusts the test CA.</summary>
    public HttpClient FederationClient() =>
        A.Services.GetRequiredService<IHttpClientFactory>().CreateClient(FederationHttp.ClientName);

    public Task<string?> EndpointSeenByA(string domain) => A.Grains.GetGrain<IRemoteDomainGrain>(domain).GetEndpointAsync();

    public static string DomainOf(string address) => address[(address.IndexOf('@', StringComparison.Ordinal) + 1)..];

    /// <summary>A port nothing listens on: an endpoint that is down.</summary>
    public static Uri DeadEndpoint() => new($"https://{NameB}:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}/v1");

    public async ValueTask DisposeAsync()
    {
        if (A is not null)
            await A.DisposeAsync();
        if (B is not null)
            await B.DisposeAsync();
        await Dns.DisposeAsync();
        Ca.Dispose();
    }
}
