using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RestMail.Gateways.Imap;
using RestMail.Gateways.Pop3;
using RestMail.Gateways.Smtp;
using RestMail.Gateways.Tls;

namespace RestMail.Gateways;

public static class GatewaysServiceCollectionExtensions
{
    /// <summary>
    /// The protocol gateways: the SMTP listeners (MX, submission, submissions), the IMAP listeners
    /// (STARTTLS, implicit TLS), the POP3 listeners (STLS, implicit TLS) and the TLS certificate they
    /// share. Needs the storage services, an <see cref="IGrainFactory"/> (silo or cluster client) and
    /// the listener readiness registry.
    /// </summary>
    public static IServiceCollection AddRestMailGateways(this IServiceCollection services)
    {
        services.AddOptions<SmtpOptions>().BindConfiguration(SmtpOptions.SectionName).Validate(
            o => o.MaxMessageSize > 0 && o.MaxRecipients > 0 && o.IdleTimeout > TimeSpan.Zero && o.MaxConnectionsPerIp > 0
                 && o.MaxAuthFailures > 0 && o.AuthBanDuration > TimeSpan.Zero && o.MaxErrors > 0,
            "RestMail:Smtp limits (MaxMessageSize, MaxRecipients, IdleTimeout, MaxConnectionsPerIp, MaxAuthFailures, AuthBanDuration, MaxErrors) must be positive.").ValidateOnStart();
        services.AddRestMailTls();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SmtpConnectionLimiter>();
        services.AddSingleton<SmtpAuthThrottle>();
        services.AddMetrics();
        services.AddSingleton<SmtpMetrics>();
        services.AddSingleton<SmtpGateway>();
        services.AddSingleton<SmtpListeners>();
        services.AddHostedService(sp => sp.GetRequiredService<SmtpListeners>());

        services.AddOptions<ImapOptions>().BindConfiguration(ImapOptions.SectionName).Validate(
            o => o.IdleTimeout > TimeSpan.Zero && o.MaxLineLength >= 1024 && o.MaxLiteralSize > 0 && o.AppendLimit > 0 && o.MaxNestingDepth > 0
                 && o.MaxConnectionsPerIp > 0 && o.MaxAuthFailures > 0 && o.AuthBanDuration > TimeSpan.Zero && o.MaxErrors > 0 && o.ResubscribeInterval > TimeSpan.Zero,
            "RestMail:Imap limits (IdleTimeout, MaxLineLength >= 1024, MaxLiteralSize, AppendLimit, MaxNestingDepth, MaxConnectionsPerIp, MaxAuthFailures, AuthBanDuration, MaxErrors, ResubscribeInterval) must be positive.").ValidateOnStart();
        services.AddSingleton<ImapStore>();
        services.AddSingleton<ImapSearchTextIndexer>();
        services.AddHostedService(sp => sp.GetRequiredService<ImapSearchTextIndexer>());
        services.AddSingleton<ImapMetrics>();
        services.AddSingleton<ImapGateway>();
        services.AddSingleton<ImapListeners>();
        services.AddHostedService(sp => sp.GetRequiredService<ImapListeners>());

        AddPop3(services);
        return services;
    }

    /// <summary>
    /// The server certificate (RestMail:Tls) alone: the mail listeners present it, and so does the
    /// host's HTTPS listener, also in the silo role where no gateway runs. Registering twice is harmless.
    /// </summary>
    public static IServiceCollection AddRestMailTls(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(ServerCertificate)))
            return services;
        services.AddOptions<TlsOptions>().BindConfiguration(TlsOptions.SectionName).Validate(
            o => string.IsNullOrWhiteSpace(o.CertificatePath) == string.IsNullOrWhiteSpace(o.KeyPath),
            "RestMail:Tls:CertificatePath and RestMail:Tls:KeyPath must be set together.").ValidateOnStart();
        services.AddSingleton<ServerCertificate>();
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
