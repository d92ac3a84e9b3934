using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RestMail.Gateways.Smtp;
using RestMail.Gateways.Tls;
using RestMail.Grains.Mailboxes;
using RestMail.Storage.Mail;
using RestMail.Tests.Api;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Smtp;

/// <summary>
/// The real host with its SMTP listeners on free loopback ports, small limits for the limit tests,
/// its own data directory (the self-signed certificate is generated there) and its own DNS server
/// (RestMail:Dns:Servers), so the inbound checks never ask the system resolver.
/// </summary>
public class SmtpServer(PostgresServer postgres) : ApiServer(postgres), IAsyncDisposable
{
    public const string Hostname = "mx.restmail.test";
    public const int MaxMessageSize = 100_000;
    public const int MaxAuthFailures = 3;
    public const int MaxConnectionsPerIp = 4;

    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"rmt-smtp-{Guid.NewGuid():N}");

    /// <summary>The zone the inbound checks (SPF, DKIM, DMARC) see; empty unless a test publishes records.</summary>
    public TestDnsServer Dns { get; } = new();

    public IPEndPoint Mx => Listeners.EndPoints[SmtpListeners.SmtpName];

    public IPEndPoint Submission => Listeners.EndPoints[SmtpListeners.SubmissionName];

    public IPEndPoint Submissions => Listeners.EndPoints[SmtpListeners.SubmissionsName];

    /// <summary>Accepts exactly the server's own (self-signed) certificate: pinned, not "accept anything".</summary>
    public bool ValidateCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        certificate is not null && certificate.GetCertHashString() == Services.GetRequiredService<ServerCertificate>().Certificate.GetCertHashString();

    private SmtpListeners Listeners => Services.GetRequiredService<SmtpListeners>();

    protected override void Configure(WebApplicationBuilder builder)
    {
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RestMail:Hostname"] = Hostname,
            ["RestMail:DataDir"] = _dataDir,
            ["RestMail:Smtp:Address"] = "127.0.0.1",
            ["RestMail:Smtp:Port"] = "0",
            ["RestMail:Submission:Address"] = "127.0.0.1",
            ["RestMail:Submission:Port"] = "0",
            ["RestMail:Submissions:Address"] = "127.0.0.1",
            ["RestMail:Submissions:Port"] = "0",
            ["RestMail:Smtp:MaxMessageSize"] = MaxMessageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RestMail:Smtp:MaxAuthFailures"] = MaxAuthFailures.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RestMail:Dns:Servers:0"] = Dns.Endpoint,
            ["RestMail:Dns:Timeout"] = "00:00:02",
            ["RestMail:Smtp:MaxConnectionsPerIp"] = MaxConnectionsPerIp.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    /// <summary>
    /// The Authentication-Results field for MX mail from a sender whose domain publishes nothing
    /// (the checks' result for every test that does not publish records).
    /// </summary>
    /// <param name="fromDomain">The From header's domain; null for a message without one.</param>
    public static string NothingPublishedResults(string mailFrom, string? fromDomain) =>
        $"Authentication-Results: {Hostname};\r\n\tspf=none smtp.mailfrom={mailFrom};\r\n\tdkim=none;\r\n\tdmarc=none"
        + (fromDomain is null ? "" : $" header.from={fromDomain}") + "\r\n";

    /// <summary>The Authentication-Results field for authenticated submission.</summary>
    public static string SubmissionResults(string user) => $"Authentication-Results: {Hostname};\r\n\tauth=pass smtp.auth={user}\r\n";

    /// <summary>The raw bytes of every message in the account's Inbox, oldest first.</summary>
    public async Task<IReadOnlyList<byte[]>> InboxAsync(long accountId)
    {
        var queries = Services.GetRequiredService<MailQueries>();
        var ct = TestContext.Current.CancellationToken;
        var inbox = (await queries.ListFoldersAsync(accountId, ct)).Single(f => f.Role == FolderRole.Inbox);
        var page = await queries.ListMessagesAsync(accountId, inbox.Id, new MessageListQuery(Limit: 100, Sort: MessageSort.DateAsc), ct);
        var raws = new List<byte[]>();
        foreach (var item in page.Items.OrderBy(i => i.Uid))
            raws.Add((await queries.GetRawAsync(accountId, item.Id, ct))!);
        return raws;
    }

    /// <summary>
    /// The raw message through the REST API, signed in as the recipient (GET /v1/folders, the Inbox's
    /// listing, GET /v1/messages/{id}/raw): the only message in the Inbox.
    /// </summary>
    public async Task<byte[]> ReadInboxThroughApiAsync(string address)
    {
        var ct = TestContext.Current.CancellationToken;
        var token = await SignInAsync(address);
        using var client = CreateClient(token.GetProperty("access_token").GetString());
        var folders = await (await client.GetAsync("/v1/folders", ct)).ReadJsonAsync(HttpStatusCode.OK);
        var inbox = folders.EnumerateArray().Single(f => f.GetProperty("role").GetString() == "inbox").GetProperty("id").GetInt64();
        var page = await (await client.GetAsync($"/v1/folders/{inbox}/messages", ct)).ReadJsonAsync(HttpStatusCode.OK);
        var id = Assert.Single(page.GetProperty("items").EnumerateArray().ToList()).GetProperty("id").GetInt64();
        using var raw = await client.GetAsync($"/v1/messages/{id}/raw", ct);
        Assert.Equal(HttpStatusCode.OK, raw.StatusCode);
        Assert.Equal("message/rfc822", raw.Content.Headers.ContentType?.MediaType);
        return await raw.Content.ReadAsByteArrayAsync(ct);
    }

    /// <summary>Outbound queue rows whose recipients include the address.</summary>
    public async Task<long> QueuedForAsync(string recipient)
    {
        await using var command = DataSource.CreateCommand("SELECT count(*) FROM outbound_queue WHERE $1 = ANY (recipients)");
        command.Parameters.Add(new NpgsqlParameter { Value = recipient });
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        GC.SuppressFinalize(this);
        await DisposeAsync();
        await Dns.DisposeAsync();
        if (System.IO.Directory.Exists(_dataDir))
            System.IO.Directory.Delete(_dataDir, recursive: true);
    }
}
