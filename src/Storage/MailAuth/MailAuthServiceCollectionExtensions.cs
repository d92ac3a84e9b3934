using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace RestMail.Storage.MailAuth;

public static class MailAuthServiceCollectionExtensions
{
    /// <summary>
    /// Inbound message authentication (SPF, DKIM, DMARC → Authentication-Results) over the shared
    /// resolver of <c>AddRestMailDns</c>; configured by RestMail:MailAuth.
    /// </summary>
    public static IServiceCollection AddRestMailMailAuth(this IServiceCollection services)
    {
        services.AddOptions<MailAuthOptions>().BindConfiguration(MailAuthOptions.SectionName)
            .Validate(o => o.Timeout > TimeSpan.Zero, "RestMail:MailAuth:Timeout must be positive.")
            .ValidateOnStart();
        services.AddSingleton<MailAuthDns>();
        services.AddSingleton(sp => PublicSuffixList.Load(sp.GetRequiredService<IOptions<MailAuthOptions>>().Value.PublicSuffixListPath));
        services.AddSingleton<SpfChecker>();
        services.AddSingleton<DnsDkimPublicKeyLocator>();
        services.AddSingleton<DkimChecker>();
        services.AddSingleton<DmarcChecker>();
        services.AddSingleton<MailAuthenticator>();
        return services;
    }
}
