using System.Text;
using MimeKit;
using RestMail.Storage.MailAuth;

namespace RestMail.Tests.MailAuth;

/// <summary>DKIM verification with keys from the in-test DNS server.</summary>
public sealed class DkimCheckerTests(MailAuthDnsFixture dns) : IClassFixture<MailAuthDnsFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_signature_with_a_published_key_passes()
    {
        var domain = MailAuthDnsFixture.NewDomain();
        var key = SignedMessages.PublishKey(dns.Server, domain);
        var message = SignedMessages.New($"alice@{domain}", "bob@example.net", "signed");
        SignedMessages.Sign(message, key);

        var verdict = Assert.Single(await dns.Dkim.VerifyAsync(SignedMessages.Parse(SignedMessages.ToBytes(message)), Ct));
        Assert.Equal(DkimResult.Pass, verdict.Result);
        Assert.Equal(domain, verdict.Domain);
        Assert.Equal(key.Selector, verdict.Selector);
        var b = message.Headers[HeaderId.DkimSignature]!.Split("b=")[^1].Replace(" ", "", StringComparison.Ordinal).Replace("\t", "", StringComparison.Ordinal);
        Assert.StartsWith(verdict.SignaturePrefix!, b.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_altered_body_fails()
    {
        var domain = MailAuthDnsFixture.NewDomain();
        var key = SignedMessages.PublishKey(dns.Server, domain);
        var message = SignedMessages.New($"alice@{domain}", "bob@example.net", "tampered");
        SignedMessages.Sign(message, key);
        var raw = Encoding.ASCII.GetString(SignedMessages.ToBytes(message)).Replace("Second line.", "Second line!", StringComparison.Ordinal);

        var verdict = Assert.Single(await dns.Dkim.VerifyAsync(SignedMessages.Parse(Encoding.ASCII.GetBytes(raw)), Ct));
        Assert.Equal(DkimResult.Fail, verdict.Result);
    }

    [Fact]
    public async Task An_altered_signed_header_fails()
    {
        var domain = MailAuthDnsFixture.NewDomain();
        var key = SignedMessages.PublishKey(dns.Server, domain);
        var message = SignedMessages.New($"alice@{domain}", "bob@example.net", "original subject");
        SignedMessages.Sign(message, key);
        var raw = Encoding.ASCII.GetString(SignedMessages.ToBytes(message)).Replace("original subject", "forged subject", StringComparison.Ordinal);

        Assert.Equal(DkimResult.Fail, Assert.Single(await dns.Dkim.VerifyAsync(SignedMessages.Parse(Encoding.ASCII.GetBytes(raw)), Ct)).Result);
    }

    [Fact]
    public async Task An_unsigned_message_has_no_verdicts()
    {
        var message = SignedMessages.New("alice@example.org", "bob@example.net", "unsigned");
        Assert.Empty(await dns.Dkim.VerifyAsync(message, Ct));
    }

    [Fact]
    public async Task A_missing_key_is_a_permerror_and_a_failing_DNS_a_temperror()
    {
        var domain = MailAuthDnsFixture.NewDomain();
        var key = SignedMessages.PublishKey(dns.Server, domain);
        var message = SignedMessages.New($"alice@{domain}", "bob@example.net", "no key");
        SignedMessages.Sign(message, key);
        var parsed = SignedMessages.Parse(SignedMessages.ToBytes(message));

        dns.Server.Txt.TryRemove(key.RecordName, out _);
        Assert.Equal(DkimResult.PermError, Assert.Single(await dns.Dkim.VerifyAsync(parsed, Ct)).Result);

        dns.Server.Failing[key.RecordName] = true;
        Assert.Equal(DkimResult.TempError, Assert.Single(await dns.Dkim.VerifyAsync(parsed, Ct)).Result);
    }

    [Fact]
    public async Task A_revoked_key_is_a_permerror()
    {
        var domain = MailAuthDnsFixture.NewDomain();
        var key = SignedMessages.PublishKey(dns.Server, domain);
        var message = SignedMessages.New($"alice@{domain}", "bob@example.net", "revoked");
        SignedMessages.Sign(message, key);
        // RFC 6376 §3.6.1: an empty p= means the key was revoked.
        dns.Server.Txt[key.RecordName] = ["v=DKIM1; k=rsa; p="];
        var verdict = Assert.Single(await dns.Dkim.VerifyAsync(SignedMessages.Parse(SignedMessages.ToBytes(message)), Ct));
        Assert.Equal(DkimResult.PermError, verdict.Result);
    }

    [Fact]
    public async Task A_malformed_signature_is_neutral()
    {
        var message = SignedMessages.New("alice@example.org", "bob@example.net", "garbage signature");
        message.Headers.Add(HeaderId.DkimSignature, "v=1; a=rsa-sha256; d=example.org; garbage");
        var verdict = Assert.Single(await dns.Dkim.VerifyAsync(SignedMessages.Parse(SignedMessages.ToBytes(message)), Ct));
        Assert.Equal(DkimResult.Neutral, verdict.Result);
        Assert.Equal("example.org", verdict.Domain);
    }

    [Fact]
    public async Task At_most_five_signatures_are_checked()
    {
        var domain = MailAuthDnsFixture.NewDomain();
        var key = SignedMessages.PublishKey(dns.Server, domain);
        var message = SignedMessages.New($"alice@{domain}", "bob@example.net", "many signatures");
        for (var i = 0; i < DkimChecker.MaxSignatures + 2; i++)
            SignedMessages.Sign(message, key);
        var verdicts = await dns.Dkim.VerifyAsync(SignedMessages.Parse(SignedMessages.ToBytes(message)), Ct);
        Assert.Equal(DkimChecker.MaxSignatures, verdicts.Count);
        Assert.All(verdicts, v => Assert.Equal(DkimResult.Pass, v.Result));
    }
}
