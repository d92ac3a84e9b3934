using System.Net;
using RestMail.Storage.MailAuth;

namespace RestMail.Tests.MailAuth;

/// <summary>Macro expansion against the examples of RFC 7208 §7.4.</summary>
public sealed class SpfMacroTests
{
    private static readonly SpfMacroContext Example = new("strong-bad@email.example.com", "email.example.com", IPAddress.Parse("192.0.2.3"), "mx.example.org");

    [Theory]
    [InlineData("%{s}", "strong-bad@email.example.com")]
    [InlineData("%{o}", "email.example.com")]
    [InlineData("%{d}", "email.example.com")]
    [InlineData("%{d4}", "email.example.com")]
    [InlineData("%{d3}", "email.example.com")]
    [InlineData("%{d2}", "example.com")]
    [InlineData("%{d1}", "com")]
    [InlineData("%{dr}", "com.example.email")]
    [InlineData("%{d2r}", "example.email")]
    [InlineData("%{l}", "strong-bad")]
    [InlineData("%{l-}", "strong.bad")]
    [InlineData("%{lr}", "strong-bad")]
    [InlineData("%{lr-}", "bad.strong")]
    [InlineData("%{l1r-}", "strong")]
    [InlineData("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com")]
    [InlineData("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com")]
    [InlineData("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com")]
    [InlineData("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com")]
    [InlineData("%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net")]
    [InlineData("%{h}", "mx.example.org")]
    [InlineData("%{i}", "192.0.2.3")]
    [InlineData("a%%b%_c%-d", "a%b c%20d")]
    public void Expands_the_RFC_examples(string macro, string expected)
    {
        Assert.True(SpfMacro.TryExpand(macro, Example, out var expanded));
        Assert.Equal(expected, expanded);
    }

    [Fact]
    public void IPv6_expands_to_dotted_nibbles()
    {
        var context = Example with { Client = IPAddress.Parse("2001:db8::cb01") };
        Assert.True(SpfMacro.TryExpand("%{ir}.%{v}._spf.%{d2}", context, out var expanded));
        Assert.Equal("1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com", expanded);
    }

    [Fact]
    public void Uppercase_letters_are_url_escaped()
    {
        var context = Example with { Sender = "user+tag/x@email.example.com" };
        Assert.True(SpfMacro.TryExpand("%{L}", context, out var expanded));
        Assert.Equal("user%2Btag%2Fx", expanded);
    }

    [Theory]
    [InlineData("%{z}")]
    [InlineData("%{d0}")]
    [InlineData("%{d")]
    [InlineData("%x")]
    [InlineData("%")]
    [InlineData("%{c}")]
    [InlineData("%{d2;}")]
    public void Malformed_macros_are_syntax_errors(string macro) => Assert.False(SpfMacro.IsValid(macro));

    [Fact]
    public void A_domain_over_253_octets_loses_labels_from_the_left()
    {
        var longName = string.Join('.', Enumerable.Repeat(new string('x', 60), 5)) + ".example.com";
        var truncated = SpfMacro.TruncateDomain(longName);
        Assert.True(truncated.Length <= 253);
        Assert.EndsWith(".example.com", truncated, StringComparison.Ordinal);
        Assert.StartsWith("x", truncated, StringComparison.Ordinal);
    }
}
