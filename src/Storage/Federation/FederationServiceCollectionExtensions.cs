using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace RestMail.Storage.Federation;

public static class FederationServiceCollectionExtensions
{
    /// <summary>Federation settings, keys, the receiving side's stores and the HTTPS client, shared by the API and the grains.</summary>
    public static IServiceCollection AddRestMailFederation(this IServiceCollection services)
    {
        services.AddOptions<FederationOptions>().BindConfiguration(FederationOptions.SectionName)
            .Validate(o => string.IsNullOrWhiteSpace(o.Endpoint) || o.PublicEndpoint is not null, "RestMail:Federation:Endpoint must be an absolute https URL.")
            .Validate(o => o.TokenLifetime > TimeSpan.Zero && o.TokenLifetime <= FederationToken.MaxLifetime, "RestMail:Federation:TokenLifetime must be positive and at most 5 minutes.")
            .Validate(o => o.DiscoveryTtl > TimeSpan.Zero && o.NegativeTtl > TimeSpan.Zero && o.KeyCacheTtl > TimeSpan.Zero && o.RequestTimeout > TimeSpan.Zero,
                "RestMail:Federation durations must be positive.")
            .Validate(o => string.IsNullOrWhiteSpace(o.TrustedCaPath) || File.Exists(o.TrustedCaPath), "RestMail:Federation:TrustedCaPath must name an existing PEM file.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        // TryAdd, as for the key resolver: a host (or test) may bring its own, e.g. on another clock.
        services.TryAddSingleton<FederationKeyStore>();
        services.AddSingleton<FederationReplayStore>();
        services.AddSingleton<FederationDeliveryLog>();
        services.AddRestMailFederationHttp();
        return services;
    }
}
