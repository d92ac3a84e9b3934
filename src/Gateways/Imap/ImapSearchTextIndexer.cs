using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using RestMail.Storage.Hosting;
using RestMail.Storage.Mail;

namespace RestMail.Gateways.Imap;

/// <summary>
/// Stores the IMAP search text (<see cref="ImapSearchText"/>) of messages soon after they arrive, in
/// the background, so that a text SEARCH finds it ready instead of parsing a large folder on the spot
/// (a never-searched folder of 100,000 messages took a minute and a half). SEARCH still fills in what
/// is missing, so this is only about speed: a message this pass skips (e.g. one whose transaction
/// committed after a later id was indexed) is stored by the first SEARCH that needs it.
/// </summary>
public sealed partial class ImapSearchTextIndexer(
    ImapStore store, MailQueries queries, SearchIndexer deliveries, IOptions<RestMailOptions> host, ILogger<ImapSearchTextIndexer> logger) : BackgroundService
{
    private const int BatchSize = 256;

    /// <summary>
    /// Messages read from the store in one query (of one account): a query per message cost more
    /// PostgreSQL time than parsing the message, while a small group bounds the memory to a few
    /// of the largest messages.
    /// </summary>
    private const int ReadSize = 8;

    /// <summary>How long an idle indexer waits before it looks for new messages again.</summary>
    internal static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    /// <summary>
    /// While deliveries keep arriving, each batch is followed by a rest nine times as long as it took:
    /// at most a tenth of one core goes to this index then. Its trigram indexes make it the dearest
    /// thing PostgreSQL does per message (about 4 ms of CPU for a 4 KB message, measured with
    /// log_min_duration_statement: more than the delivery itself), and SEARCH fills in what it lacks.
    /// </summary>
    private const int BusyRestFactor = 9;

    /// <summary>Between bursts it rests as long as each batch took: half a core works the backlog off.</summary>
    private const int IdleRestFactor = 1;

    /// <summary>Parses and stores the search text of the messages; a message gone meanwhile is skipped.</summary>
    public async Task IndexAsync(IReadOnlyList<(long AccountId, long MessageId)> messages, int parallelism, CancellationToken ct)
    {
        foreach (var chunk in messages.Chunk(BatchSize))
        {
            var reads = chunk.GroupBy(m => m.AccountId).SelectMany(account => account.Select(m => m.MessageId).Chunk(ReadSize).Select(ids => (account.Key, ids))).ToList();
            var rows = new List<(long Id, string Headers, string Body)>[reads.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, reads.Count), new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = ct },
                async (i, token) =>
                {
                    // A message expunged meanwhile is simply not among the raws.
                    rows[i] = [];
                    foreach (var (messageId, raw) in await queries.GetRawManyAsync(reads[i].Key, reads[i].ids, token))
                    {
                        var (headers, body) = ImapSearchText.Build(ImapParsedMessage.Parse(raw).Message, raw);
                        rows[i].Add((messageId, headers, body));
                    }
                });
            await store.SaveSearchTextAsync([.. rows.SelectMany(r => r)], ct);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!host.Value.Imap.Enabled && !host.Value.Imaps.Enabled)
            return;
        var after = 0L;
        while (!stoppingToken.IsCancellationRequested)
        {
            List<(long AccountId, long MessageId)>? batch = null;
            try
            {
                // Read before the batch: when nothing below it lacks text, the next look starts above
                // it instead of walking every message again.
                var last = await store.LastMessageIdAsync(stoppingToken);
                batch = await store.MessagesWithoutSearchTextAsync(after, BatchSize, stoppingToken);
                if (batch.Count == 0)
                {
                    after = Math.Max(after, last);
                    await Task.Delay(PollInterval, stoppingToken);
                    continue;
                }
                var started = Stopwatch.GetTimestamp();
                await IndexAsync(batch, parallelism: 1, stoppingToken);
                after = batch[^1].MessageId;
                await Task.Delay(Stopwatch.GetElapsedTime(started) * (deliveries.DeliveriesArriving ? BusyRestFactor : IdleRestFactor), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database away (restart, failover): try the same messages later. Anything else
                // (a message that cannot be read) must not stop the host or stall the pass: skip the
                // batch; SEARCH stores what it needs itself.
                LogIndexingFailed(e);
                if (e is not (NpgsqlException or TimeoutException) && batch is { Count: > 0 })
                    after = batch[^1].MessageId;
                await Task.Delay(PollInterval * 5, stoppingToken);
            }
        }
    }

    [LoggerMessage(EventId = 4107, Level = LogLevel.Warning, Message = "Background IMAP search-text indexing failed; trying again later")]
    private partial void LogIndexingFailed(Exception exception);
}
