using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Smtp;

/// <summary>The SMTP host with a one-second idle timeout, so the timeout can be observed for real.</summary>
public sealed class ShortIdleSmtpServer(PostgresServer postgres) : SmtpServer(postgres)
{
    protected override void Configure(WebApplicationBuilder builder)
    {
        base.Configure(builder);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["RestMail:Smtp:IdleTimeout"] = "00:00:01" });
    }
}
