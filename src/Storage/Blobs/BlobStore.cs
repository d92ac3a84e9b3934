using System.Security.Cryptography;
using Npgsql;
using NpgsqlTypes;
using RestMail.Grains.Mailboxes;
using RestMail.Storage.Messages;

namespace RestMail.Storage.Blobs;

/// <summary>
/// Content-addressed storage: each segment of a message is kept once under its SHA-256, however
/// many messages contain it. Storing happens before the mailbox grain references the segments;
/// a blob stored here starts unreferenced and is only collected after a grace period, so the
/// grain's transaction (which raises the reference counts) finds it.
/// </summary>
public sealed class BlobStore(NpgsqlDataSource dataSource)
{
    private const int AskFirstBytes = 64 * 1024;

    /// <summary>
    /// Messages up to this size may travel with their bytes to the mailbox transaction that files
    /// them (<see cref="PrepareAsync"/>): small enough for a grain call, and where a separate blob
    /// transaction would cost as much as the rest of the delivery.
    /// </summary>
    public const int UnstoredLimit = 128 * 1024;

    /// <summary>Analyses the raw message, stores its segments and returns what a grain needs to file it.</summary>
    public async Task<StoredContent> StoreAsync(ReadOnlyMemory<byte> raw, CancellationToken cancellationToken)
    {
        var (content, segments) = Analyze(raw);
        await PutAsync(content.Segments, segments, cancellationToken);
        return content;
    }

    /// <summary>
    /// Like <see cref="StoreAsync"/>, except that a message of at most <see cref="UnstoredLimit"/>
    /// bytes is not written here: it keeps its bytes (<see cref="StoredContent.UnstoredSegments"/>) and
    /// the mailbox transaction that files it writes them, saving a round trip and a commit. Whoever
    /// needs it stored before that (several mailboxes, the outbound queue) calls <see cref="EnsureStoredAsync"/>.
    /// </summary>
    public async Task<StoredContent> PrepareAsync(ReadOnlyMemory<byte> raw, CancellationToken cancellationToken)
    {
        if (raw.Length > UnstoredLimit)
            return await StoreAsync(raw, cancellationToken);
        var (content, segments) = Analyze(raw);
        return content with { UnstoredSegments = [.. segments.Select(s => s.ToArray())] };
    }

    /// <summary>Writes the bytes of a prepared message, if it still carries them; returns it without them.</summary>
    public async Task<StoredContent> EnsureStoredAsync(StoredContent content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (content.UnstoredSegments is not { } segments)
            return content;
        await PutAsync(content.Segments, [.. segments.Select(s => (ReadOnlyMemory<byte>)s)], cancellationToken);
        return content with { UnstoredSegments = null };
    }

    private static (StoredContent Content, IReadOnlyList<ReadOnlyMemory<byte>> Segments) Analyze(ReadOnlyMemory<byte> raw)
    {
        var analysis = MessageAnalyzer.Analyze(raw);
        var hashes = new byte[analysis.Segments.Count][];
        for (var i = 0; i < hashes.Length; i++)
            hashes[i] = SHA256.HashData(analysis.Segments[i].Span);
        return (new StoredContent { Segments = hashes, Size = raw.Length, Summary = analysis.Summary }, analysis.Segments);
    }

    private async Task PutAsync(IReadOnlyList<byte[]> hashes, IReadOnlyList<ReadOnlyMemory<byte>> segments, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);

        // Large segments (attachments) are looked up first so that a stored one is not sent again;
        // small ones go straight to the insert, which ignores duplicates anyway.
        var existing = new HashSet<byte[]>(ByteArrayComparer.Instance);
        var large = hashes.Where((_, i) => segments[i].Length >= AskFirstBytes).ToArray();
        if (large.Length > 0)
        {
            await using var query = new NpgsqlCommand("SELECT hash FROM blobs WHERE hash = ANY($1)", connection);
            query.Parameters.Add(new() { Value = large, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
            await using var reader = await query.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                existing.Add(reader.GetFieldValue<byte[]>(0));
        }

        var missing = new SortedDictionary<byte[], ReadOnlyMemory<byte>>(ByteArrayComparer.Instance);
        for (var i = 0; i < hashes.Count; i++)
        {
            if (!existing.Contains(hashes[i]))
                missing.TryAdd(hashes[i], segments[i]);
        }

        // One round trip: BEGIN, the inserts, COMMIT. The commit does not wait for its own WAL
        // flush: these rows are unreferenced until the mailbox grain's transaction references
        // them, and that transaction's synchronous commit flushes the WAL up to its own commit
        // record, which lies after these rows. So whatever is acknowledged has its blobs on disk,
        // and a crash in between leaves only unreferenced blobs for the collector.
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL synchronous_commit TO off"));
        // Rows are written in hash order, the order every transaction that locks blobs uses.
        foreach (var (hash, data) in missing)
        {
            var insert = new NpgsqlBatchCommand("""
                INSERT INTO blobs (hash, size, data) VALUES ($1, $2, $3)
                ON CONFLICT (hash) DO UPDATE SET touched_at = now() WHERE blobs.refcount = 0
                """);
            insert.Parameters.Add(new() { Value = hash });
            insert.Parameters.Add(new() { Value = (long)data.Length });
            insert.Parameters.Add(new() { Value = data, NpgsqlDbType = NpgsqlDbType.Bytea });
            batch.BatchCommands.Add(insert);
        }
        if (existing.Count > 0)
        {
            // An unreferenced blob about to be referenced again must not be collected meanwhile.
            var touch = new NpgsqlBatchCommand("UPDATE blobs SET touched_at = now() WHERE hash = ANY($1) AND refcount = 0");
            touch.Parameters.Add(new() { Value = existing.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
            batch.BatchCommands.Add(touch);
        }
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        try
        {
            // Prepared once per pooled connection (persisted by Npgsql): PostgreSQL skips parsing and
            // planning on every later message. See MailboxTransaction for why this is done explicitly.
            await batch.PrepareAsync(cancellationToken);
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        catch
        {
            await using var rollback = new NpgsqlCommand("ROLLBACK", connection);
            await rollback.ExecuteNonQueryAsync(CancellationToken.None);
            throw;
        }
    }

    /// <summary>Deletes blobs unreferenced for longer than <paramref name="grace"/>; returns how many.</summary>
    public async Task<int> CollectAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        // SKIP LOCKED: a blob some transaction is referencing right now is left for the next round.
        await using var command = dataSource.CreateCommand("""
            DELETE FROM blobs WHERE hash IN (
                SELECT hash FROM blobs
                WHERE refcount = 0 AND touched_at < now() - $1
                ORDER BY hash
                LIMIT 10000
                FOR UPDATE SKIP LOCKED)
            AND refcount = 0
            """);
        command.Parameters.Add(new() { Value = grace });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
