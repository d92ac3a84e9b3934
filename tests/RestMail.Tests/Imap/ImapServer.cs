using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RestMail.Gateways.Imap;
using RestMail.Gateways.Tls;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Imap;

/// <summary>
/// The real host with its IMAP listeners on free loopback ports, small limits for the limit tests,
/// and its own data directory (the self-signed certificate is generated there).
/// </summary>
public class ImapServer(PostgresServer postgres) : ApiServer(postgres), IAsyncDisposable
{
    public const string Hostname = "imap.restmail.test";
    public const int AppendLimit = 200_000;
    public const int MaxLiteralSize = 4096;
    public const int MaxLineLength = 8192;
    public const int MaxAuthFailures = 3;

    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"rmt-imap-{Guid.NewGuid():N}");

    public IPEndPoint Imap => Listeners.EndPoints[ImapListeners.ImapName];

    public IPEndPoint Imaps => Listeners.EndPoints[ImapListeners.ImapsName];

    /// <summary>The host's SMTP MX listener (the test host runs every gateway).</summary>
    public IPEndPoint Mx => Services.GetRequiredService<RestMail.Gateways.Smtp.SmtpListeners>().EndPoints[RestMail.Gateways.Smtp.SmtpListeners.SmtpName];

    private ImapListeners Listeners => Services.GetRequiredService<ImapListeners>();

    /// <summary>Accepts exactly the server's own (self-signed) certificate.</summary>
    public bool ValidateCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        certificate is not null && certificate.GetCertHashString() == Services.GetRequiredService<ServerCertificate>().Certificate.GetCertHashString();

    protected override void Configure(WebApplicationBuilder builder)
    {
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RestMail:Hostname"] = Hostname,
            ["RestMail:DataDir"] = _dataDir,
            ["RestMail:Imap:AppendLimit"] = AppendLimit.ToString(CultureInfo.InvariantCulture),
            ["RestMail:Imap:MaxLiteralSize"] = MaxLiteralSize.ToString(CultureInfo.InvariantCulture),
            ["RestMail:Imap:MaxLineLength"] = MaxLineLength.ToString(CultureInfo.InvariantCulture),
            ["RestMail:Imap:MaxAuthFailures"] = MaxAuthFailures.ToString(CultureInfo.InvariantCulture),
        });
    }

    /// <summary>A MailKit client logged in as the account over implicit TLS (or STARTTLS).</summary>
    public async Task<ImapClient> ConnectAsync(string address, bool startTls = false, string password = Password)
    {
        var client = new ImapClient { ServerCertificateValidationCallback = ValidateCertificate, Timeout = 60_000 };
        var endPoint = startTls ? Imap : Imaps;
        await client.ConnectAsync(endPoint.Address.ToString(), endPoint.Port, startTls ? SecureSocketOptions.StartTls : SecureSocketOptions.SslOnConnect, TestContext.Current.CancellationToken);
        await client.AuthenticateAsync(address, password, TestContext.Current.CancellationToken);
        return client;
    }

    /// <summary>A raw-socket session over implicit TLS, past the greeting and logged in with LOGIN.</summary>
    public async Task<RawImapClient> LoginRawAsync(string address)
    {
        var client = await RawImapClient.ConnectAsync(Imaps, ValidateCertificate);
        await client.ReadLineAsync();
        var login = await client.CommandAsync("L", $"LOGIN \"{address}\" \"{Password}\"");
        Assert.StartsWith("L OK", login[^1], StringComparison.Ordinal);
        return client;
    }

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        GC.SuppressFinalize(this);
        await DisposeAsync();
        if (System.IO.Directory.Exists(_dataDir))
            System.IO.Directory.Delete(_dataDir, recursive: true);
    }
}
