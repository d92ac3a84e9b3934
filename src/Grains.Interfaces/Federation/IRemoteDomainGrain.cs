namespace RestMail.Grains.Federation;

/// <summary>
/// What this server knows about one remote domain's REST Mail endpoint (key: the domain, lower case):
/// found through its _restmail TXT record or its MX's EHLO, remembered for RestMail:Federation:DiscoveryTtl;
/// "none" and failed endpoints for RestMail:Federation:NegativeTtl. A cache: losing it costs one lookup.
/// </summary>
[Alias("RestMail.IRemoteDomainGrain")]
public interface IRemoteDomainGrain : IGrainWithStringKey
{
    /// <summary>The endpoint to deliver to over HTTPS (absolute https URL), or null to use SMTP.</summary>
    [Alias("GetEndpoint")]
    Task<string?> GetEndpointAsync();

    /// <summary>The domain's MX advertised this endpoint in its EHLO reply (X-RESTMAIL).</summary>
    [Alias("Advertised")]
    Task AdvertisedAsync(string endpoint);

    /// <summary>Delivery to the endpoint failed in a way that calls for SMTP (refused, unreachable, TLS, 5xx, auth): use SMTP for a while.</summary>
    [Alias("Failed")]
    Task FailedAsync(string reason);

    /// <summary>
    /// The endpoint answered (<paramref name="answered"/>) or a request to it went unanswered. After
    /// <c>MaxUnanswered</c> unanswered requests in a row the endpoint counts as failed, so a black hole
    /// cannot hold mail back from SMTP for the whole queue lifetime.
    /// </summary>
    [Alias("Report")]
    Task ReportAsync(bool answered);
}
