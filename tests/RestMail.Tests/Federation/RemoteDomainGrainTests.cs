using RestMail.Grains.Federation;
using RestMail.Storage.Federation;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Federation;

/// <summary>The capability cache on A: TXT discovery, EHLO advertisements, failures and unanswered requests.</summary>
[Collection(FederationCollection.Name)]
public sealed class RemoteDomainGrainTests(FederationPair pair)
{
    private IRemoteDomainGrain Grain(string domain) => pair.A.Grains.GetGrain<IRemoteDomainGrain>(domain);

    [Fact]
    public async Task The_txt_record_is_found_and_a_failure_sends_the_domain_to_smtp()
    {
        var domain = ApiServer.UniqueDomain();
        pair.Dns.Txt[FederationDiscovery.TxtName(domain)] = ["v=restmail1 endpoint=https://mx." + domain + "/v1"];

        Assert.Equal($"https://mx.{domain}/v1", await Grain(domain).GetEndpointAsync());
        await Grain(domain).FailedAsync("test");
        Assert.Null(await Grain(domain).GetEndpointAsync());
    }

    [Fact]
    public async Task Three_unanswered_requests_in_a_row_count_as_a_failure_and_an_answer_resets_the_count()
    {
        var domain = ApiServer.UniqueDomain();
        pair.Dns.Txt[FederationDiscovery.TxtName(domain)] = ["v=restmail1 endpoint=https://mx." + domain + "/v1"];
        var grain = Grain(domain);

        await grain.ReportAsync(answered: false);
        await grain.ReportAsync(answered: false);
        await grain.ReportAsync(answered: true);
        await grain.ReportAsync(answered: false);
        await grain.ReportAsync(answered: false);
        Assert.NotNull(await grain.GetEndpointAsync());

        await grain.ReportAsync(answered: false);
        Assert.Null(await grain.GetEndpointAsync());
    }

    [Fact]
    public async Task Without_a_txt_record_an_ehlo_advertisement_is_used()
    {
        var domain = ApiServer.UniqueDomain();

        Assert.Null(await Grain(domain).GetEndpointAsync());
        await Grain(domain).AdvertisedAsync($"https://mx.{domain}/v1");
        Assert.Equal($"https://mx.{domain}/v1", await Grain(domain).GetEndpointAsync());
        // Only https is ever believed.
        var other = ApiServer.UniqueDomain();
        await Grain(other).AdvertisedAsync($"http://mx.{other}/v1");
        Assert.Null(await Grain(other).GetEndpointAsync());
    }
}
