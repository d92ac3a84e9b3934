using RestMail.Grains.Queue.MtaSts;

namespace RestMail.Tests.Outbound;

public sealed class MtaStsPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_policy_file_parses_with_crlf_or_lf_and_ignores_unknown_keys()
    {
        var policy = MtaStsPolicyParser.ParsePolicy("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\nmx: *.example.net\r\nmax_age: 604800\r\nextension: x\r\n", "id1", Now);

        Assert.NotNull(policy);
        Assert.Equal(MtaStsMode.Enforce, policy.Mode);
        Assert.Equal(["mail.example.com", "*.example.net"], policy.MxPatterns);
        Assert.Equal(TimeSpan.FromDays(7), policy.MaxAge);
        Assert.Equal(Now.AddDays(7), policy.ExpiresAt);
    }

    [Theory]
    [InlineData("mode: enforce\nmx: a.example\nmax_age: 60\n")]
    [InlineData("version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 60\n")]
    [InlineData("version: STSv1\nmode: strict\nmx: a.example\nmax_age: 60\n")]
    [InlineData("version: STSv1\nmode: enforce\nmax_age: 60\n")]
    [InlineData("version: STSv1\nmode: enforce\nmx: a.example\n")]
    [InlineData("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -5\n")]
    [InlineData("<html>not a policy</html>")]
    public void Invalid_policy_files_are_no_policy(string text) =>
        Assert.Null(MtaStsPolicyParser.ParsePolicy(text, "id", Now));

    [Fact]
    public void Mode_none_needs_no_mx_and_max_age_is_capped_at_a_year()
    {
        var policy = MtaStsPolicyParser.ParsePolicy("version: STSv1\nmode: none\nmax_age: 99999999999\n", "id", Now);

        Assert.NotNull(policy);
        Assert.Equal(MtaStsMode.None, policy.Mode);
        Assert.Equal(MtaStsPolicyParser.LongestMaxAge, policy.MaxAge);
    }

    [Theory]
    [InlineData("mail.example.com", true)]
    [InlineData("MAIL.Example.COM.", true)]
    [InlineData("mx1.example.net", true)]
    [InlineData("example.net", false)]
    [InlineData("a.mx1.example.net", false)]
    [InlineData("mail.example.org", false)]
    [InlineData("evilexample.net", false)]
    public void Mx_hosts_match_exactly_or_by_one_leftmost_wildcard_label(string host, bool matches)
    {
        var policy = new MtaStsPolicy(MtaStsMode.Enforce, ["mail.example.com", "*.example.net"], TimeSpan.FromDays(1), "id", Now);

        Assert.Equal(matches, policy.Matches(host));
    }

    [Theory]
    [InlineData("v=STSv1; id=20261124T1200;", "20261124T1200")]
    [InlineData("v=STSv1;id=abc", "abc")]
    [InlineData("v=STSv1; id=has-dash;", null)]
    [InlineData("v=STSv1; id=;", null)]
    [InlineData("v=STSv1;", null)]
    [InlineData("v=spf1 -all", null)]
    [InlineData("id=abc; v=STSv1", null)]
    public void The_txt_record_yields_its_id_only_when_well_formed(string record, string? id) =>
        Assert.Equal(id, MtaStsPolicyParser.ParseRecordId(record));
}
