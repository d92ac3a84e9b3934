using System.Net;
using System.Text;
using RestMail.Storage.MailAuth;

namespace RestMail.Tests.MailAuth;

/// <summary>
/// Garbage SPF records, built from pieces of real syntax: parsing and evaluation end in a result,
/// never an exception (which would turn into a 4xx for the message).
/// </summary>
public sealed class SpfRobustnessTests(MailAuthDnsFixture dns) : IClassFixture<MailAuthDnsFixture>
{
    private static readonly string[] Pieces =
    [
        "v=spf1", " ", " ", "+", "-", "~", "?", "all", "include:", "a", "mx", "ptr", "exists:", "ip4:", "ip6:", "redirect=", "exp=",
        "%{", "}", "%", "%%", "%_", "%-", "s", "l", "o", "d", "i", "h", "v", "r", "1", "2", "0", "25", "999", ".", "-", "/", "//", ":",
        "::", "192.0.2.1", "2001:db8::1", "example.org", "x.test", "=", "\u00e9", "\t", "\u0000",
    ];

    private static string RandomRecord(Random random)
    {
        var builder = new StringBuilder("v=spf1 ");
        var count = random.Next(1, 16);
        for (var i = 0; i < count; i++)
            builder.Append(Pieces[random.Next(Pieces.Length)]);
        return builder.ToString();
    }

    [Fact]
    public void Parsing_and_macro_expansion_never_throw()
    {
        var random = new Random(7208);
        var context = new SpfMacroContext("a@b.example", "b.example", IPAddress.IPv6Loopback, "h.example");
        for (var i = 0; i < 20_000; i++)
        {
            var record = RandomRecord(random);
            _ = SpfRecord.Parse(record);
            _ = SpfMacro.TryExpand(record[7..], context, out _);
        }
    }

    [Fact]
    public async Task Evaluation_always_ends_in_a_result()
    {
        var random = new Random(4408);
        for (var i = 0; i < 200; i++)
        {
            var domain = MailAuthDnsFixture.NewDomain();
            dns.Server.Txt[domain] = [RandomRecord(random)];
            var verdict = await dns.Spf.CheckAsync(IPAddress.Parse("192.0.2.1"), "a@" + domain, "h.example", TestContext.Current.CancellationToken);
            Assert.True(Enum.IsDefined(verdict.Result));
        }
    }
}
