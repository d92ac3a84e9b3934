using RestMail.Grains.Queue;
using RestMail.Storage.Federation;

namespace RestMail.Tests.Federation;

public sealed class FederationDiscoveryTests
{
    [Theory]
    [InlineData("v=restmail1 endpoint=https://mail.example.org/v1", "https://mail.example.org/v1")]
    [InlineData("v=restmail1; endpoint=https://mail.example.org:8443/v1/", "https://mail.example.org:8443/v1")]
    [InlineData("V=RESTMAIL1 ENDPOINT=https://mail.example.org/v1", "https://mail.example.org/v1")]
    [InlineData("v=restmail1 endpoint=http://mail.example.org/v1", null)]
    [InlineData("v=restmail1", null)]
    [InlineData("v=spf1 -all", null)]
    public void A_txt_record_names_an_https_endpoint_or_nothing(string record, string? expected) =>
        Assert.Equal(expected, FederationDiscovery.FromTxtRecords([record])?.AbsoluteUri.TrimEnd('/'));

    [Fact]
    public void Two_restmail_records_mean_none()
    {
        Assert.Null(FederationDiscovery.FromTxtRecords(["v=restmail1 endpoint=https://a.example/v1", "v=restmail1 endpoint=https://b.example/v1"]));
        Assert.NotNull(FederationDiscovery.FromTxtRecords(["v=spf1 mx -all", "v=restmail1 endpoint=https://b.example/v1"]));
    }

    [Theory]
    [InlineData("X-RESTMAIL v1 https://mx.example.org/v1", "https://mx.example.org/v1")]
    [InlineData("x-restmail V1 https://mx.example.org/v1", "https://mx.example.org/v1")]
    [InlineData("RESTMAIL https://mx.example.org/v1", "https://mx.example.org/v1")]
    [InlineData("X-RESTMAIL v2 https://mx.example.org/v1", null)]
    [InlineData("X-RESTMAIL v1 http://mx.example.org/v1", null)]
    [InlineData("SIZE 1000", null)]
    public void An_ehlo_line_names_an_https_endpoint_or_nothing(string line, string? expected) =>
        Assert.Equal(expected, FederationDiscovery.FromEhloLine(line)?.AbsoluteUri.TrimEnd('/'));

    [Theory]
    [InlineData("https://mx.hoster.net/v1", "example.org", "mx.hoster.net", true)]
    [InlineData("https://mail.example.org/v1", "example.org", "mx.hoster.net", true)]
    [InlineData("https://example.org/v1", "example.org", "mx.hoster.net", true)]
    [InlineData("https://evil.example.net/v1", "example.org", "mx.hoster.net", false)]
    [InlineData("https://notexample.org/v1", "example.org", "mx.hoster.net", false)]
    public void An_ehlo_advertisement_is_believed_only_for_the_mx_or_the_domain(string endpoint, string domain, string mx, bool believed) =>
        Assert.Equal(believed, QueueEntryGrain.IsPlausibleAdvertisement(new Uri(endpoint), domain, new MailTarget(mx, "192.0.2.1", 25)));

    [Fact]
    public void The_ehlo_keyword_of_a_configured_endpoint_is_what_senders_parse()
    {
        var endpoint = new Uri("https://mx.example.org/v1");
        Assert.Equal("X-RESTMAIL v1 https://mx.example.org/v1", FederationDiscovery.EhloLine(endpoint));
        Assert.Equal(endpoint, FederationDiscovery.FromEhloLine(FederationDiscovery.EhloLine(endpoint)));
        Assert.Equal(endpoint, FederationDiscovery.FromTxtRecords([FederationDiscovery.TxtValue(endpoint)]));
    }
}
