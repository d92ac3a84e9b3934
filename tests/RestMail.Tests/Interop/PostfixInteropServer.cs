using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using RestMail.Storage.Accounts;
using RestMail.Tests.Hosting;
using RestMail.Tests.Infrastructure;
using RestMail.Tests.Smtp;

namespace RestMail.Tests.Interop;

/// <summary>
/// REST Mail (with its SMTP listeners) for one domain next to a real Postfix that is final
/// destination for another: Postfix routes the REST Mail domain to REST Mail's MX port, and REST
/// Mail routes the legacy domain to Postfix (a static route, as DNS would give).
/// </summary>
public sealed class PostfixInteropServer(PostgresServer postgres) : SmtpServer(postgres)
{
    public const string LegacyDomain = "legacy.test";
    public const string LegacyMailbox = "alice";

    public PostfixInstance Postfix { get; } = new(LegacyDomain, FreePort.Next());

    /// <summary>The REST Mail domain Postfix relays to.</summary>
    public string Domain { get; } = UniqueDomain();

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        Assert.True((await Directory.CreateDomainAsync(Domain, null, default)).IsOk);
        await Postfix.StartAsync([LegacyMailbox], new Dictionary<string, string> { [Domain] = $"127.0.0.1:{Mx.Port}" });
    }

    protected override void Configure(WebApplicationBuilder builder)
    {
        base.Configure(builder);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"RestMail:Outbound:StaticRoutes:{LegacyDomain}"] = "127.0.0.1:" + Postfix.Port.ToString(CultureInfo.InvariantCulture),
            ["RestMail:Outbound:PollInterval"] = "00:00:00.200",
        });
    }

    public async Task<AccountRecord> CreateLocalAccountAsync() => await CreateAccountAsync(domain: Domain);

    public override async ValueTask DisposeAsync()
    {
        await Postfix.DisposeAsync();
        await base.DisposeAsync();
    }
}
