using DnsClient;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace RestMail.Storage.Dns;

public static class DnsServiceCollectionExtensions
{
    /// <summary>Registers the shared <see cref="ILookupClient"/>: the system resolver, or RestMail:Dns:Servers.</summary>
    public static IServiceCollection AddRestMailDns(this IServiceCollection services)
    {
        services.AddOptions<DnsOptions>().BindConfiguration(DnsOptions.SectionName)
            .Validate(o => o.Timeout > TimeSpan.Zero, "RestMail:Dns:Timeout must be positive.")
            .Validate(o => TryParse(o), "RestMail:Dns:Servers entries must be \"ip\" or \"ip:port\".")
            .ValidateOnStart();
        services.TryAddSingleton<ILookupClient>(sp => Create(sp.GetRequiredService<IOptions<DnsOptions>>().Value));
        return services;
    }

    public static LookupClient Create(DnsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var servers = options.ParseServers();
        var lookup = servers.Count == 0
            ? new LookupClientOptions()
            : new LookupClientOptions([.. servers.Select(s => new NameServer(s))]) { AutoResolveNameServers = false };
        lookup.Timeout = options.Timeout;
        lookup.Retries = 1;
        lookup.UseCache = servers.Count == 0;
        lookup.ThrowDnsErrors = false;
        lookup.ContinueOnDnsError = false;
        lookup.ContinueOnEmptyResponse = false;
        return new LookupClient(lookup);
    }

    private static bool TryParse(DnsOptions options)
    {
        try
        {
            options.ParseServers();
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
