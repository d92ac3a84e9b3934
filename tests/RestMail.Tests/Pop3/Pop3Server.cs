using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RestMail.Gateways.Pop3;
using RestMail.Gateways.Tls;
using RestMail.Grains.Mailboxes;
using RestMail.Storage.Mail;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Pop3;

/// <summary>
/// The real host with its POP3 listeners on free loopback ports, small limits for the limit tests,
/// and its own data directory (the self-signed certificate is generated there).
/// </summary>
public class Pop3Server(PostgresServer postgres) : ApiServer(postgres), IAsyncDisposable
{
    public const string Hostname = "pop.restmail.test";
    public const int MaxAuthFailures = 3;
    public const int MaxConnectionsPerIp = 4;
    public const int MaxErrors = 12;

    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"rmt-pop3-{Guid.NewGuid():N}");

    public IPEndPoint Pop3 => Listeners.EndPoints[Pop3Listeners.Pop3Name];

    public IPEndPoint Pop3s => Listeners.EndPoints[Pop3Listeners.Pop3sName];

    /// <summary>The self-signed certificate's path, for real clients that need a CA file.</summary>
    public string CertificatePath => Path.Combine(_dataDir, "tls", ServerCertificate.SelfSignedFile);

    /// <summary>Accepts exactly the server's own (self-signed) certificate: pinned, not "accept anything".</summary>
    public bool ValidateCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        certificate is not null && certificate.GetCertHashString() == Services.GetRequiredService<ServerCertificate>().Certificate.GetCertHashString();

    private Pop3Listeners Listeners => Services.GetRequiredService<Pop3Listeners>();

    protected override void Configure(WebApplicationBuilder builder)
    {
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RestMail:Hostname"] = Hostname,
            ["RestMail:DataDir"] = _dataDir,
            ["RestMail:Pop3:MaxAuthFailures"] = MaxAuthFailures.ToString(CultureInfo.InvariantCulture),
            ["RestMail:Pop3:MaxConnectionsPerIp"] = MaxConnectionsPerIp.ToString(CultureInfo.InvariantCulture),
            ["RestMail:Pop3:MaxErrors"] = MaxErrors.ToString(CultureInfo.InvariantCulture),
        });
    }

    /// <summary>A small plain-text message with a recognisable subject.</summary>
    public static byte[] Message(string subject, string body = "Hello over POP3.") =>
        Encoding.ASCII.GetBytes(
            $"From: sender@remote.test\r\nTo: user@example.test\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@remote.test>\r\n" +
            $"Date: Tue, 24 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n{body}\r\n");

    /// <summary>Delivers messages into the account's Inbox, several at a time, in order of their UIDs' allocation.</summary>
    public async Task DeliverManyAsync(long accountId, IEnumerable<byte[]> messages)
    {
        foreach (var batch in messages.Chunk(50))
            await Task.WhenAll(batch.Select(m => DeliverAsync(accountId, m)));
    }

    /// <summary>The account's Inbox as the store sees it now.</summary>
    public async Task<FolderInfo> InboxAsync(long accountId)
    {
        var queries = Services.GetRequiredService<MailQueries>();
        return (await queries.ListFoldersAsync(accountId, TestContext.Current.CancellationToken)).Single(f => f.Role == FolderRole.Inbox);
    }

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        GC.SuppressFinalize(this);
        await DisposeAsync();
        if (System.IO.Directory.Exists(_dataDir))
            System.IO.Directory.Delete(_dataDir, recursive: true);
    }
}
