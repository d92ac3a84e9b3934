using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RestMail.Grains.Delivery;

namespace RestMail.Grains;

public static class GrainsServiceCollectionExtensions
{
    /// <summary>Services the grains need in a silo (the grain classes themselves Orleans finds on its own).</summary>
    public static IServiceCollection AddRestMailGrains(this IServiceCollection services)
    {
        services.AddSingleton<OutboundQueue>();
        // The maildrop lock grain's lease clock; tests may register a fake one first.
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }
}
