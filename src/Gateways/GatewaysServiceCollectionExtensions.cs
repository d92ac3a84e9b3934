using Microsoft.Extensions.DependencyInjection;

namespace RestMail.Gateways;

public static class GatewaysServiceCollectionExtensions
{
    /// <summary>The SMTP, IMAP and POP3 listeners arrive with their own issues; nothing is hosted yet.</summary>
    public static IServiceCollection AddRestMailGateways(this IServiceCollection services) => services;
}
