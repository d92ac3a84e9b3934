using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Pop3;

/// <summary>The POP3 host with plaintext logins allowed and a one-second idle timeout, both observed for real.</summary>
public sealed class LenientPop3Server(PostgresServer postgres) : Pop3Server(postgres)
{
    protected override void Configure(WebApplicationBuilder builder)
    {
        base.Configure(builder);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RestMail:Pop3:IdleTimeout"] = "00:00:01",
            ["RestMail:Pop3:AllowPlaintextAuth"] = "true",
        });
    }
}
