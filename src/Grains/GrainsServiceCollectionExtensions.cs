using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RestMail.Grains.Delivery;
using RestMail.Grains.Federation;
using RestMail.Grains.Queue;
using RestMail.Grains.Queue.MtaSts;

namespace RestMail.Grains;

public static class GrainsServiceCollectionExtensions
{
    /// <summary>Services the grains need in a silo (the grain classes themselves Orleans finds on its own).</summary>
    public static IServiceCollection AddRestMailGrains(this IServiceCollection services)
    {
        services.AddSingleton<OutboundQueue>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<OutboundOptions>().BindConfiguration(OutboundOptions.SectionName)
            .Validate(o => o.Port is > 0 and <= 65535 && o.MtaStsPolicyPort is > 0 and <= 65535, "RestMail:Outbound:Port and MtaStsPolicyPort must be TCP ports.")
            .Validate(o => string.IsNullOrWhiteSpace(o.TrustedCaPath) || File.Exists(o.TrustedCaPath), "RestMail:Outbound:TrustedCaPath must name an existing PEM file.")
            .Validate(o => o.MaxLifetime > TimeSpan.Zero && o.PollInterval > TimeSpan.Zero && o.Lease > TimeSpan.Zero && o.Timeout > TimeSpan.Zero,
                "RestMail:Outbound durations must be positive.")
            .Validate(o => o.MaxConnectionsPerDomain > 0 && o.BatchSize > 0 && o.RetryDelays.All(d => d > TimeSpan.Zero), "RestMail:Outbound:MaxConnectionsPerDomain, BatchSize and RetryDelays must be positive.")
            .ValidateOnStart();
        services.AddSingleton<MxResolver>();
        services.AddSingleton<RemoteCertificateVerifier>();
        services.AddSingleton<MtaStsResolver>();
        services.AddSingleton<SmtpSender>();
        services.AddSingleton<FederationSender>();
        services.AddSingleton(sp => new DestinationLimiter(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<OutboundOptions>>().Value.MaxConnectionsPerDomain));
        services.AddSingleton<DsnSender>();
        services.AddSingleton<OutboundQueueSignal>();
        services.AddHostedService<OutboundScheduler>();
        return services;
    }
}
