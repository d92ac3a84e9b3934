using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RestMail.Gateways.Pop3;
using RestMail.Gateways.Smtp;
using RestMail.Gateways.Tls;

namespace RestMail.Gateways;

public static class GatewaysServiceCollectionExtensions
{
    /// <summary>
    /// The protocol gateways: the SMTP listeners (MX, submission, submissions), the POP3 listeners
    /// (STLS and implicit TLS) and the TLS certificate they share. IMAP arrives with its own issue. Needs the storage services, an
    /// <see cref="IGrainFactory"/> (silo or cluster client) and the listener readiness registry.
    /// </summary>
    public static IServiceCollection AddRestMailGateways(this IServiceCollection services)
    {
        services.AddOptions<SmtpOptions>().BindConfiguration(SmtpOptions.SectionName).Validate(
            o => o.MaxMessageSize > 0 && o.MaxRecipients > 0 && o.IdleTimeout > TimeSpan.Zero && o.MaxConnectionsPerIp > 0
                 && o.MaxAuthFailures > 0 && o.AuthBanDuration > TimeSpan.Zero && o.MaxErrors > 0,
            "RestMail:Smtp limits (MaxMessageSize, MaxRecipients, IdleTimeout, MaxConnectionsPerIp, MaxAuthFailures, AuthBanDuration, MaxErrors) must be positive.").ValidateOnStart();
        services.AddOptions<TlsOptions>().BindConfiguration(TlsOptions.SectionName).Validate(
            o => string.IsNullOrWhiteSpace(o.CertificatePath) == string.IsNullOrWhiteSpace(o.KeyPath),
            "RestMail:Tls:CertificatePath and RestMail:Tls:KeyPath must be set together.").ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ServerCertificate>();
        services.AddSingleton<SmtpConnectionLimiter>();
        services.AddSingleton<SmtpAuthThrottle>();
        services.AddMetrics();
        services.AddSingleton<SmtpMetrics>();
        services.AddSingleton<SmtpGateway>();
        services.AddSingleton<SmtpListeners>();
        services.AddHostedService(sp => sp.GetRequiredService<SmtpListeners>());
        AddPop3(services);
        return services;
    }

    private static void AddPop3(IServiceCollection services)
    {
        services.AddOptions<Pop3Options>().BindConfiguration(Pop3Options.SectionName).Validate(
            o => o.IdleTimeout > TimeSpan.Zero && o.MaxConnectionsPerIp > 0 && o.MaxAuthFailures > 0 && o.AuthBanDuration > TimeSpan.Zero && o.MaxErrors > 0,
            "RestMail:Pop3 limits (IdleTimeout, MaxConnectionsPerIp, MaxAuthFailures, AuthBanDuration, MaxErrors) must be positive.").ValidateOnStart();
        services.AddSingleton<Pop3MaildropStore>();
        services.AddSingleton<Pop3Metrics>();
        services.AddSingleton<Pop3Gateway>();
        services.AddSingleton<Pop3Listeners>();
        services.AddHostedService(sp => sp.GetRequiredService<Pop3Listeners>());
    }
}
