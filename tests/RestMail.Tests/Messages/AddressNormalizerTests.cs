using RestMail.Storage.Messages;

namespace RestMail.Tests.Messages;

public sealed class AddressNormalizerTests
{
    [Theory]
    [InlineData("alice@example.com", "alice@example.com")]
    [InlineData("  Alice.Smith@Example.COM ", "alice.smith@example.com")]
    [InlineData("<bob@example.org>", "bob@example.org")]
    [InlineData("user+tag@sub.example.co.uk", "user+tag@sub.example.co.uk")]
    [InlineData("info@bücher.example", "info@xn--bcher-kva.example")]
    [InlineData("info@XN--BCHER-KVA.example", "info@xn--bcher-kva.example")]
    [InlineData("\"john doe\"@example.com", "\"john doe\"@example.com")]
    [InlineData("postmaster@localhost", "postmaster@localhost")]
    [InlineData("x@[192.0.2.1]", "x@[192.0.2.1]")]
    [InlineData("x@[IPv6:2001:DB8::1]", "x@[IPv6:2001:db8::1]")]
    [InlineData("δοκιμή@example.com", "δοκιμή@example.com")]
    public void Valid_addresses_are_normalised(string input, string expected)
    {
        Assert.True(AddressNormalizer.TryNormalize(input, out var address));
        Assert.Equal(expected, address);
        Assert.Equal(expected, AddressNormalizer.Normalize(input));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("plainaddress")]
    [InlineData("@example.com")]
    [InlineData("user@")]
    [InlineData("user@@example.com")]
    [InlineData(".user@example.com")]
    [InlineData("user.@example.com")]
    [InlineData("us..er@example.com")]
    [InlineData("us er@example.com")]
    [InlineData("user@exa mple.com")]
    [InlineData("user@-example.com")]
    [InlineData("user@example-.com")]
    [InlineData("user@example..com")]
    [InlineData("user@example.com.")]
    [InlineData("user@exa_mple.com")]
    [InlineData("Name <user@example.com>")]
    [InlineData("user@[300.1.1.1]")]
    [InlineData("user@[1.2.3]")]
    [InlineData("\"unterminated@example.com")]
    [InlineData("a,b@example.com")]
    [InlineData("user@example.com\r\nBcc: x@y.z")]
    public void Invalid_addresses_are_rejected(string? input)
    {
        Assert.False(AddressNormalizer.TryNormalize(input, out var address));
        Assert.Null(address);
    }

    [Fact]
    public void Local_part_longer_than_64_is_rejected()
    {
        Assert.False(AddressNormalizer.TryNormalize(new string('a', 65) + "@example.com", out _));
        Assert.True(AddressNormalizer.TryNormalize(new string('a', 64) + "@example.com", out _));
    }

    [Fact]
    public void Label_longer_than_63_is_rejected()
    {
        Assert.False(AddressNormalizer.TryNormalize("a@" + new string('b', 64) + ".com", out _));
        Assert.True(AddressNormalizer.TryNormalize("a@" + new string('b', 63) + ".com", out _));
    }

    [Theory]
    [InlineData("Example.COM", "example.com")]
    [InlineData("bücher.example", "xn--bcher-kva.example")]
    public void Domains_are_normalised(string input, string expected)
    {
        Assert.True(AddressNormalizer.TryNormalizeDomain(input, out var domain));
        Assert.Equal(expected, domain);
    }

    [Theory]
    [InlineData("[192.0.2.1]")]
    [InlineData("a b.com")]
    [InlineData("")]
    public void Invalid_domains_are_rejected(string input) =>
        Assert.False(AddressNormalizer.TryNormalizeDomain(input, out _));
}
