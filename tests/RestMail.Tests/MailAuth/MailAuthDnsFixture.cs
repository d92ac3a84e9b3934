using RestMail.Storage.Dns;
using RestMail.Storage.MailAuth;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.MailAuth;

/// <summary>
/// An in-test DNS server and the checkers over it, built as the host builds them
/// (<see cref="DnsServiceCollectionExtensions.Create"/>). Tests publish records under names of
/// their own (<see cref="NewDomain"/>), so they do not see each other's.
/// </summary>
public sealed class MailAuthDnsFixture : IAsyncDisposable
{
    private static int _names;

    public MailAuthDnsFixture()
    {
        var options = new DnsOptions { Timeout = TimeSpan.FromMilliseconds(500) };
        options.Servers.Add(Server.Endpoint);
        Dns = new MailAuthDns(DnsServiceCollectionExtensions.Create(options));
        Spf = new SpfChecker(Dns);
        Dkim = new DkimChecker(new DnsDkimPublicKeyLocator(Dns));
    }

    public TestDnsServer Server { get; } = new();

    public MailAuthDns Dns { get; }

    public SpfChecker Spf { get; }

    public DkimChecker Dkim { get; }

    /// <summary>A DMARC checker whose organizational domains come from <paramref name="suffixes"/> (default: the last-two-labels fallback).</summary>
    public DmarcChecker Dmarc(PublicSuffixList? suffixes = null) => new(Dns, suffixes ?? PublicSuffixList.FromRules([]));

    /// <summary>A domain name no other test uses.</summary>
    public static string NewDomain() => $"a{Interlocked.Increment(ref _names)}-{Guid.NewGuid():N}"[..16] + ".test";

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
