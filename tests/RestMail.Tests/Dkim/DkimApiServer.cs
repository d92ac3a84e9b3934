using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Dkim;

/// <summary>The API server under a known host name, so the published records can be checked exactly.</summary>
public sealed class DkimApiServer(PostgresServer postgres) : ApiServer(postgres)
{
    public const string Hostname = "MX.Dkim-Host.test";

    protected override void Configure(WebApplicationBuilder builder) =>
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["RestMail:Hostname"] = Hostname });
}
