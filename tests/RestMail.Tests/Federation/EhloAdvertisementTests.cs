using System.Text;
using RestMail.Gateways.Smtp;
using RestMail.Grains.Federation;

namespace RestMail.Tests.Federation;

public sealed class EhloAdvertisementTests
{
    private static readonly Uri Endpoint = new("https://mx.example.org/v1");

    private static string Text(SmtpReply reply) => Encoding.ASCII.GetString(reply.Bytes);

    [Fact]
    public void Only_the_mx_ehlo_replies_carry_the_keyword_and_only_when_an_endpoint_is_configured()
    {
        var greetings = new SmtpGreetings("mx.example.org", 1000, Endpoint);
        Assert.Contains("X-RESTMAIL v1 https://mx.example.org/v1\r\n", Text(greetings.EhloPlainMx), StringComparison.Ordinal);
        Assert.Contains("X-RESTMAIL v1 https://mx.example.org/v1\r\n", Text(greetings.EhloTlsMx), StringComparison.Ordinal);
        Assert.DoesNotContain("RESTMAIL", Text(greetings.EhloPlain), StringComparison.Ordinal);
        Assert.DoesNotContain("RESTMAIL", Text(greetings.EhloTls), StringComparison.Ordinal);
        Assert.DoesNotContain("RESTMAIL", Text(new SmtpGreetings("mx.example.org", 1000).EhloPlainMx), StringComparison.Ordinal);
    }

    [Fact]
    public void The_sender_finds_the_keyword_in_an_ehlo_reply_however_the_bytes_arrive()
    {
        var reply = Encoding.ASCII.GetBytes("250-mx.example.org\r\n250-PIPELINING\r\n250-X-RESTMAIL v1 https://mx.example.org/v1\r\n250 HELP\r\n");
        var log = new EhloAdvertisementLog();
        // One byte at a time: a line may be split anywhere between reads.
        for (var i = 0; i < reply.Length; i++)
            log.LogServer(reply, i, 1);
        Assert.Equal(Endpoint, log.Endpoint);

        var legacy = new EhloAdvertisementLog();
        var bare = Encoding.ASCII.GetBytes("250-mx.example.org\r\n250 RESTMAIL https://mx.example.org/v1\r\n");
        legacy.LogServer(bare, 0, bare.Length);
        Assert.Equal(Endpoint, legacy.Endpoint);
    }
}
