using RestMail.Storage.MailAuth;

namespace RestMail.Tests.MailAuth;

/// <summary>The Authentication-Results field (RFC 8601) as written on top of received mail.</summary>
public sealed class AuthenticationResultsFieldTests
{
    [Fact]
    public void Inbound_results_list_spf_each_dkim_signature_and_dmarc()
    {
        var report = new MailAuthReport(
            new SpfVerdict(SpfResult.Pass, "mailfrom", "alice@example.org", "example.org"),
            [new DkimSignatureVerdict(DkimResult.Pass, "example.org", "s1", "AbCd+123"), new DkimSignatureVerdict(DkimResult.Fail, "other.example", "k", null)],
            new DmarcVerdict(DmarcResult.Pass, "example.org", DmarcPolicy.Reject, 100));
        Assert.Equal(
            "Authentication-Results: mx.example.net;\r\n" +
            "\tspf=pass smtp.mailfrom=alice@example.org;\r\n" +
            "\tdkim=pass header.d=example.org header.s=s1 header.b=AbCd+123;\r\n" +
            "\tdkim=fail header.d=other.example header.s=k;\r\n" +
            "\tdmarc=pass (p=reject pct=100) header.from=example.org policy.dmarc=reject\r\n",
            AuthenticationResultsField.ForInbound("mx.example.net", report));
    }

    [Fact]
    public void The_null_sender_is_reported_by_its_HELO_identity_and_no_signature_as_dkim_none()
    {
        var report = new MailAuthReport(new SpfVerdict(SpfResult.SoftFail, "helo", "client.example", "client.example"), [], new DmarcVerdict(DmarcResult.None, null));
        Assert.Equal(
            "Authentication-Results: mx.example.net;\r\n\tspf=softfail smtp.helo=client.example;\r\n\tdkim=none;\r\n\tdmarc=none\r\n",
            AuthenticationResultsField.ForInbound("mx.example.net", report));
    }

    [Fact]
    public void Submission_records_the_authenticated_user()
    {
        Assert.Equal("Authentication-Results: mx.example.net;\r\n\tauth=pass smtp.auth=alice@example.org\r\n",
            AuthenticationResultsField.ForSubmission("mx.example.net", "alice@example.org"));
    }

    [Theory]
    [InlineData("evil\r\nX-Injected: yes", "evil??X-Injected:?yes")]
    [InlineData("a;dkim=pass", "a?dkim=pass")]
    [InlineData("(comment)\"quoted\"\\", "?comment??quoted??")]
    [InlineData("", "?")]
    [InlineData("\u00e9l\u00e8ve@exemple.fr", "\u00e9l\u00e8ve@exemple.fr")]
    public void Client_supplied_values_cannot_break_the_field(string value, string expected) =>
        Assert.Equal(expected, AuthenticationResultsField.Value(value));

    [Fact]
    public void An_injected_line_never_becomes_a_field()
    {
        var report = new MailAuthReport(new SpfVerdict(SpfResult.None, "helo", "x\r\nX-Evil: 1", "x"), [], new DmarcVerdict(DmarcResult.None, "a\nb"));
        var field = AuthenticationResultsField.ForInbound("mx.example.net", report);
        Assert.DoesNotContain("\r\nX-Evil", field, StringComparison.Ordinal);
        Assert.Equal(field.Split("\r\n").Length - 1, field.Split('\n').Length - 1);
        Assert.All(field.Split("\r\n")[1..^1], line => Assert.StartsWith("\t", line, StringComparison.Ordinal));
    }

    [Fact]
    public void Long_values_are_cut()
    {
        Assert.Equal(255, AuthenticationResultsField.Value(new string('a', 1000)).Length);
    }
}
