using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RestMail.Grains.Delivery;
using RestMail.Grains.Queue;
using RestMail.Storage.Blobs;
using RestMail.Storage.Queue;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Outbound;

/// <summary>
/// The API host with every remote domain routed (RestMail:Outbound:StaticRoutes "*") to an in-test
/// SMTP sink, and a scheduler that looks for due entries every 100 ms.
/// </summary>
public class OutboundServer(PostgresServer postgres) : ApiServer(postgres)
{
    public SmtpSink Sink { get; } = new();

    public QueueStore Queue => Services.GetRequiredService<QueueStore>();

    protected override void Configure(WebApplicationBuilder builder)
    {
        var settings = new Dictionary<string, string?>
        {
            ["RestMail:Hostname"] = "mx.restmail.test",
            ["RestMail:Outbound:PollInterval"] = "00:00:00.100",
            ["RestMail:Outbound:Timeout"] = "00:00:10",
        };
        ConfigureRouting(settings);
        builder.Configuration.AddInMemoryCollection(settings);
    }

    /// <summary>Every domain to the sink, by a static route.</summary>
    protected virtual void ConfigureRouting(IDictionary<string, string?> settings) =>
        settings["RestMail:Outbound:StaticRoutes:*"] = "127.0.0.1:" + Sink.Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Sends a raw message as the account (as the REST send endpoint does) and returns the queue id.</summary>
    public Task<long> SendAsync(long accountId, string mailFrom, string raw, params string[] recipients) =>
        SendAsync(accountId, mailFrom, raw, null, recipients);

    /// <summary>The same, with the DSN requests an SMTP client could have made (RFC 3461).</summary>
    public async Task<long> SendAsync(long accountId, string mailFrom, string raw, DeliveryNotifications? notifications, params string[] recipients)
    {
        var content = await Services.GetRequiredService<BlobStore>().StoreAsync(System.Text.Encoding.UTF8.GetBytes(raw), TestContext.Current.CancellationToken);
        var result = await Grains.GetGrain<IDeliveryGrain>(0).AcceptAsync(new InboundMessage
        {
            MailFrom = mailFrom,
            Recipients = recipients,
            Content = content,
            Source = MessageSource.Api,
            SenderAccountId = accountId,
            Notifications = notifications,
        });
        Assert.All(result.Recipients, r => Assert.Equal(RecipientStatus.Queued, r.Status));
        return result.QueueId!.Value;
    }

    /// <summary>Polls (the delivery goes over a real socket) until the entry reaches the state.</summary>
    public async Task<QueueEntry> WaitForStateAsync(long id, string state, Func<QueueEntry, bool>? also = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var entry = await Queue.GetAsync(id, TestContext.Current.CancellationToken);
            if (entry is not null && entry.State == state && (also is null || also(entry)))
            {
                // Let the grain finish what follows the commit (the DSN): it is not reentrant, and
                // on a finished entry this call only reads it.
                if (state is "delivered" or "failed")
                    await Grains.GetGrain<IQueueEntryGrain>(id).AttemptAsync();
                return entry;
            }
            Assert.True(DateTime.UtcNow < deadline, $"Queue entry {id} is {entry?.State ?? "gone"}, not {state}: {entry?.LastError}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The raw messages in the account's Inbox, oldest first.</summary>
    public async Task<IReadOnlyList<byte[]>> InboxAsync(long accountId)
    {
        var ids = new List<long>();
        await using (var command = DataSource.CreateCommand(
            "SELECT m.id FROM messages m JOIN folders f ON f.id = m.folder_id WHERE m.account_id = $1 AND f.role = 'inbox' ORDER BY m.id"))
        {
            command.Parameters.Add(new() { Value = accountId });
            await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
                ids.Add(reader.GetInt64(0));
        }
        var queries = Services.GetRequiredService<RestMail.Storage.Mail.MailQueries>();
        var raws = new List<byte[]>();
        foreach (var id in ids)
            raws.Add((await queries.GetRawAsync(accountId, id, TestContext.Current.CancellationToken))!);
        return raws;
    }

    /// <summary>True when every blob of the entry is referenced exactly as often as messages reference it (the queue let go).</summary>
    public async Task<bool> BlobsReleasedAsync(long id, byte[][] segments)
    {
        await using var command = DataSource.CreateCommand("""
            SELECT bool_and(b.refcount = (SELECT count(*) FROM messages m CROSS JOIN LATERAL unnest(m.segments) AS s(hash) WHERE s.hash = b.hash)
                                         + (SELECT count(*) FROM outbound_queue q CROSS JOIN LATERAL unnest(q.segments) AS s(hash)
                                            WHERE s.hash = b.hash AND q.finished_at IS NULL AND q.id <> $2))
            FROM blobs b WHERE b.hash = ANY($1)
            """);
        command.Parameters.Add(new() { Value = segments, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bytea });
        command.Parameters.Add(new() { Value = id });
        return (bool)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    public async Task<byte[][]> SegmentsAsync(long id)
    {
        await using var command = DataSource.CreateCommand("SELECT segments FROM outbound_queue WHERE id = $1");
        command.Parameters.Add(new() { Value = id });
        return (byte[][])(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    public override async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        await base.DisposeAsync();
        await Sink.DisposeAsync();
    }
}
