using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using RestMail.Storage.Hosting;
using RestMail.Storage.Messages;

namespace RestMail.Storage.Mail;

/// <summary>
/// Builds the all-text search vector of messages after their delivery committed
/// (0010_search_after_commit.sql): a delivery records the message in <c>search_pending</c>; this
/// reads the raw message back, extracts its text as delivery used to, and writes the vector to
/// <c>message_search</c> for a batch at a time. It runs in the background, woken by the mailbox
/// grain's commits, and on demand: <see cref="CatchUpAsync"/> lets a search index its account's
/// backlog first, so search results never miss a delivered message.
/// </summary>
/// <remarks>
/// Pending rows are claimed with <c>FOR UPDATE SKIP LOCKED</c>, so the background pass, searches and
/// several silos never wait for one another, and nothing here waits for a lock an expunge holds (the
/// expunge's trigger waits for the indexer instead, never the other way round).
/// </remarks>
public sealed partial class SearchIndexer(NpgsqlDataSource dataSource, ILogger<SearchIndexer> logger) : BackgroundService
{
    private const int BatchSize = 256;

    /// <summary>How often an idle indexer looks for pending messages nobody announced (e.g. another silo's).</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a woken indexer lets deliveries gather before it starts: one batch of many messages
    /// costs a fraction of one pass per message (measured: per-message passes took about a millisecond
    /// of PostgreSQL each, a third of a single SMTP session's delivery). Searches are not delayed by it:
    /// they index their own account's backlog first.
    /// </summary>
    private static readonly TimeSpan Gather = TimeSpan.FromSeconds(1);

    /// <summary>
    /// While deliveries keep arriving, each batch is followed by a rest this many times as long as
    /// it took: the backlog gets at most a quarter of one core, acceptance the rest.
    /// </summary>
    private const int BusyRestFactor = 3;

    /// <summary>How long a search waits for pending messages someone else is indexing right now.</summary>
    private static readonly TimeSpan CatchUpLimit = TimeSpan.FromSeconds(10);

    private readonly WakeSignal _signal = new();
    private long _lastDelivery;

    /// <summary>Messages were delivered: index them soon. Several notifications before a pass count as one.</summary>
    public void Notify()
    {
        Volatile.Write(ref _lastDelivery, Stopwatch.GetTimestamp());
        _signal.Notify();
    }

    /// <summary>
    /// Whether a mailbox of this silo committed a delivery within the last second: background work
    /// that can wait (this indexer's backlog, the IMAP search text) yields to acceptance meanwhile.
    /// </summary>
    public bool DeliveriesArriving => DeliveredSince(Stopwatch.GetTimestamp() - Stopwatch.Frequency);

    private bool DeliveredSince(long timestamp) => Volatile.Read(ref _lastDelivery) > timestamp;

    /// <summary>
    /// Indexes everything the account has pending. Batches another indexer holds are waited for
    /// (they commit within milliseconds), up to a limit after which the search runs on what there is.
    /// </summary>
    public async Task CatchUpAsync(long accountId, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(CatchUpLimit.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var (claimed, remaining) = await IndexBatchAsync(accountId, cancellationToken);
            if (claimed == remaining || Stopwatch.GetTimestamp() > deadline)
                return;
            if (claimed == 0)
                await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
        }
    }

    public override void Dispose()
    {
        _signal.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(PollInterval, stoppingToken);
                await Task.Delay(Gather, stoppingToken);
                while (true)
                {
                    var started = Stopwatch.GetTimestamp();
                    var (claimed, remaining) = await IndexBatchAsync(null, stoppingToken);
                    if (claimed == 0 || claimed == remaining)
                        break;
                    // Deliveries come first; once they stop, the backlog gets a whole core.
                    if (DeliveredSince(started))
                        await RestWhileDeliveringAsync(Stopwatch.GetElapsedTime(started) * BusyRestFactor, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database away (restart, failover), or anything unforeseen: the pending rows
                // stay (a search still indexes its own account's), try again later; never stop the host.
                LogIndexingFailed(e);
                await Task.Delay(PollInterval, stoppingToken);
            }
        }
    }

    /// <summary>
    /// Rests up to <paramref name="rest"/>, in short slices, ending early once a slice passes without
    /// a delivery: a long batch (100 KB messages) must not leave the backlog waiting seconds after
    /// the deliveries stopped.
    /// </summary>
    private async Task RestWhileDeliveringAsync(TimeSpan rest, CancellationToken stoppingToken)
    {
        var slice = TimeSpan.FromMilliseconds(100);
        for (var rested = TimeSpan.Zero; rested < rest; rested += slice)
        {
            var sliceStarted = Stopwatch.GetTimestamp();
            await Task.Delay(slice, stoppingToken);
            if (!DeliveredSince(sliceStarted))
                return;
        }
    }

    /// <summary>
    /// Claims up to <see cref="BatchSize"/> pending messages (of one account, or any), writes their
    /// vectors and removes them from the pending list, in one transaction. Returns how many it
    /// claimed and how many were pending when it looked (claimed ones included).
    /// </summary>
    private async Task<(int Claimed, long Remaining)> IndexBatchAsync(long? accountId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var account = accountId is null ? "" : "WHERE account_id = $1";
        var ids = new List<long>();
        long remaining;
        await using (var claim = new NpgsqlBatch(connection, transaction))
        {
            claim.BatchCommands.Add(new($"SELECT message_id FROM search_pending {account} ORDER BY message_id LIMIT {BatchSize} FOR UPDATE SKIP LOCKED"));
            claim.BatchCommands.Add(new($"SELECT count(*) FROM search_pending {account}"));
            if (accountId is { } id)
            {
                foreach (var command in claim.BatchCommands)
                    command.Parameters.Add(new NpgsqlParameter { Value = id });
            }
            await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                ids.Add(reader.GetInt64(0));
            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            remaining = reader.GetInt64(0);
        }
        if (ids.Count == 0)
            return (0, remaining);

        var raws = await ReadRawsAsync(connection, transaction, ids, cancellationToken);
        // A message deleted meanwhile has no raw; its pending row goes away with it.
        var indexed = ids.Where(raws.ContainsKey).ToArray();
        var texts = new string[indexed.Length];
        Parallel.For(0, indexed.Length, i =>
        {
            var analysis = MessageAnalyzer.Analyze(raws[indexed[i]]);
            texts[i] = SearchDocument.AllText(analysis.Summary, analysis.SearchText);
        });

        await using (var write = new NpgsqlBatch(connection, transaction))
        {
            var insert = new NpgsqlBatchCommand("""
                INSERT INTO message_search (message_id, account_id, search)
                SELECT m.id, m.account_id, to_tsvector('simple', d.text)
                FROM unnest($1::bigint[], $2::text[]) AS d(id, text) JOIN messages m ON m.id = d.id
                ON CONFLICT (message_id) DO NOTHING
                """);
            insert.Parameters.Add(new() { Value = indexed });
            insert.Parameters.Add(new() { Value = texts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            var done = new NpgsqlBatchCommand("DELETE FROM search_pending WHERE message_id = ANY($1)");
            done.Parameters.Add(new() { Value = ids.ToArray() });
            write.BatchCommands.Add(insert);
            write.BatchCommands.Add(done);
            await write.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return (ids.Count, remaining);
    }

    /// <summary>
    /// The raw messages. One that cannot be reassembled (a blob missing: the store is damaged) is
    /// logged and left out, rather than blocking the pending list for ever; its neighbours are read
    /// one by one.
    /// </summary>
    private async Task<Dictionary<long, byte[]>> ReadRawsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<long> ids, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadAsync(ids);
        }
        catch (InvalidOperationException) when (ids.Count > 1)
        {
            var raws = new Dictionary<long, byte[]>();
            foreach (var id in ids)
            {
                try
                {
                    foreach (var (readId, raw) in await ReadAsync([id]))
                        raws[readId] = raw;
                }
                catch (InvalidOperationException e)
                {
                    LogUnreadable(id, e);
                }
            }
            return raws;
        }
        catch (InvalidOperationException e)
        {
            LogUnreadable(ids[0], e);
            return [];
        }

        async Task<Dictionary<long, byte[]>> ReadAsync(List<long> some)
        {
            await using var read = new NpgsqlCommand(MailQueries.RawSegmentsSql + " WHERE m.id = ANY($1) ORDER BY m.id, s.n", connection, transaction);
            read.Parameters.Add(new() { Value = some.ToArray() });
            return await MailQueries.ReadRawsAsync(read, cancellationToken);
        }
    }

    [LoggerMessage(EventId = 1400, Level = LogLevel.Warning, Message = "Background search indexing failed; trying again later")]
    private partial void LogIndexingFailed(Exception exception);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Error, Message = "Message {MessageId} could not be read for the search index; bare words will not find it")]
    private partial void LogUnreadable(long messageId, Exception exception);
}
