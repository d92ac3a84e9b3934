using RestMail.Storage.MailAuth;

namespace RestMail.Tests.MailAuth;

public sealed class PublicSuffixListTests
{
    private static readonly PublicSuffixList Rules = PublicSuffixList.FromRules(
        ["// a comment", "", "com", "uk", "co.uk", "*.ck", "!www.ck", "jp", "*.kawasaki.jp", "!city.kawasaki.jp"]);

    [Theory]
    [InlineData("example.com", "example.com")]
    [InlineData("a.b.example.com", "example.com")]
    [InlineData("mail.example.co.uk", "example.co.uk")]
    [InlineData("example.uk", "example.uk")]
    [InlineData("x.foo.bar.ck", "foo.bar.ck")]
    [InlineData("www.ck", "www.ck")]
    [InlineData("a.www.ck", "www.ck")]
    [InlineData("a.b.kawasaki.jp", "a.b.kawasaki.jp")]
    [InlineData("a.city.kawasaki.jp", "city.kawasaki.jp")]
    [InlineData("Mail.Example.COM.", "example.com")]
    [InlineData("host.unlisted", "host.unlisted")]
    [InlineData("a.host.unlisted", "host.unlisted")]
    [InlineData("co.uk", "co.uk")]
    public void Organizational_domains_follow_the_rules(string domain, string organizational) =>
        Assert.Equal(organizational, Rules.OrganizationalDomain(domain));

    [Fact]
    public void Without_a_list_the_last_two_labels_are_the_organizational_domain()
    {
        var fallback = PublicSuffixList.Load(Path.Combine(Path.GetTempPath(), $"no-such-list-{Guid.NewGuid():N}.dat"));
        Assert.False(fallback.IsLoaded);
        Assert.Equal("example.com", fallback.OrganizationalDomain("a.b.example.com"));
        // The documented weakness of the fallback: a two-label suffix is taken for an organization.
        Assert.Equal("co.uk", fallback.OrganizationalDomain("mail.example.co.uk"));
    }

    [Fact]
    public void The_installed_list_is_read_when_present()
    {
        Assert.True(File.Exists(PublicSuffixList.DefaultPath), $"{PublicSuffixList.DefaultPath} is not installed (Debian package publicsuffix; .ci/run installs it).");
        var list = PublicSuffixList.Load(PublicSuffixList.DefaultPath);
        Assert.True(list.IsLoaded);
        Assert.Equal("example.co.uk", list.OrganizationalDomain("mail.example.co.uk"));
        Assert.Equal("example.com", list.OrganizationalDomain("a.b.example.com"));
    }
}
