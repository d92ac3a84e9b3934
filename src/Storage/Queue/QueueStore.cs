using Npgsql;
using NpgsqlTypes;
using RestMail.Grains.Delivery;

namespace RestMail.Storage.Queue;

/// <summary>
/// SQL for the outbound queue: claiming due entries, recording attempts per recipient, releasing
/// the entry's blob references when it is finished, and the admin views.
/// </summary>
public sealed class QueueStore(NpgsqlDataSource dataSource)
{
    public static readonly IReadOnlyList<string> States = ["queued", "delivering", "delivered", "failed"];

    /// <summary>Marks up to <paramref name="limit"/> due entries as delivering and returns their ids.</summary>
    public async Task<IReadOnlyList<long>> ClaimDueAsync(int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE outbound_queue SET state = 'delivering', claimed_at = now()
            WHERE id IN (SELECT id FROM outbound_queue WHERE state = 'queued' AND next_attempt_at <= now()
                         ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
            RETURNING id
            """);
        command.Parameters.Add(new() { Value = limit });
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            ids.Add(reader.GetInt64(0));
        return ids;
    }

    /// <summary>Entries left delivering longer than the lease (their node died): queued again, due now.</summary>
    public async Task<int> ReleaseExpiredLeasesAsync(TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE outbound_queue SET state = 'queued', claimed_at = NULL, next_attempt_at = now()
            WHERE state = 'delivering' AND claimed_at < now() - $1
            """);
        command.Parameters.Add(new() { Value = lease });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<QueueEntry?> GetAsync(long id, CancellationToken cancellationToken)
    {
        var entries = await QueryAsync("WHERE q.id = $1", [new() { Value = id }], cancellationToken);
        return entries.Count == 0 ? null : entries[0];
    }

    /// <summary>The newest entries (optionally of one state) and the counts by state.</summary>
    public async Task<QueueListing> ListAsync(string? state, int limit, CancellationToken cancellationToken)
    {
        var entries = await QueryAsync(
            "WHERE ($1::text IS NULL OR q.state = $1) ORDER BY q.id DESC LIMIT $2",
            [new() { Value = (object?)state ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text }, new() { Value = limit }],
            cancellationToken);
        var counts = States.ToDictionary(s => s, _ => 0L);
        await using var command = dataSource.CreateCommand("SELECT state, count(*) FROM outbound_queue GROUP BY state");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            counts[reader.GetString(0)] = reader.GetInt64(1);
        return new QueueListing(counts, entries);
    }

    /// <summary>The message as it was queued: its blobs concatenated; null when the entry is gone.</summary>
    public async Task<byte[]?> GetRawAsync(long id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT q.size, b.data
            FROM outbound_queue q
            CROSS JOIN LATERAL unnest(q.segments) WITH ORDINALITY AS s(hash, n)
            LEFT JOIN blobs b ON b.hash = s.hash
            WHERE q.id = $1
            ORDER BY s.n
            """);
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        byte[]? raw = null;
        var offset = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            raw ??= new byte[reader.GetInt64(0)];
            if (reader.IsDBNull(1))
                throw new InvalidOperationException($"Queue entry {id} references a blob that is missing from the store.");
            var segment = reader.GetFieldValue<byte[]>(1);
            segment.CopyTo(raw, offset);
            offset += segment.Length;
        }
        if (raw is not null && offset != raw.Length)
            throw new InvalidOperationException($"Queue entry {id} reassembled to {offset} bytes, expected {raw.Length}.");
        return raw;
    }

    /// <summary>
    /// Records one attempt's outcomes. When no recipient is left queued the entry becomes delivered
    /// (all delivered) or failed, and its blob references are released in the same transaction;
    /// otherwise it is queued again for <paramref name="retryAfter"/> from now. Null when the entry
    /// is gone or already finished.
    /// </summary>
    public async Task<QueueProgress?> RecordAttemptAsync(long id, IReadOnlyList<RecipientOutcome> outcomes, TimeSpan retryAfter, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockRow = new NpgsqlCommand("SELECT state FROM outbound_queue WHERE id = $1 FOR UPDATE", connection, transaction))
        {
            lockRow.Parameters.Add(new() { Value = id });
            if (await lockRow.ExecuteScalarAsync(cancellationToken) is not string state || state is "delivered" or "failed")
                return null;
        }

        var failed = new List<QueueRecipient>();
        var delivered = new List<QueueRecipient>();
        await using (var update = new NpgsqlCommand("""
            UPDATE outbound_recipients r
            SET state = o.state, attempts = r.attempts + 1, last_error = o.error, last_attempt_at = now()
            FROM unnest($2::text[], $3::text[], $4::text[]) AS o(address, state, error)
            WHERE r.queue_id = $1 AND r.address = o.address AND r.state = 'queued'
            RETURNING r.address, r.state, r.attempts, r.last_error, r.last_attempt_at, r.dsn_notify, r.dsn_original_recipient
            """, connection, transaction))
        {
            update.Parameters.Add(new() { Value = id });
            update.Parameters.Add(new() { Value = outcomes.Select(o => o.Address).ToArray() });
            update.Parameters.Add(new() { Value = outcomes.Select(o => o.Kind switch { RecipientOutcomeKind.Delivered => "delivered", RecipientOutcomeKind.Failed => "failed", _ => "queued" }).ToArray() });
            update.Parameters.Add(new() { Value = outcomes.Select(o => o.Detail).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            await using var reader = await update.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var recipient = ReadRecipient(reader, 0);
                if (recipient.State == "failed")
                    failed.Add(recipient);
                else if (recipient.State == "delivered")
                    delivered.Add(recipient);
            }
        }

        long queued, failedTotal;
        await using (var count = new NpgsqlCommand(
            "SELECT count(*) FILTER (WHERE state = 'queued'), count(*) FILTER (WHERE state = 'failed') FROM outbound_recipients WHERE queue_id = $1",
            connection, transaction))
        {
            count.Parameters.Add(new() { Value = id });
            await using var reader = await count.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            (queued, failedTotal) = (reader.GetInt64(0), reader.GetInt64(1));
        }

        var lastError = outcomes.LastOrDefault(o => o.Kind != RecipientOutcomeKind.Delivered)?.Detail;
        string newState;
        if (queued == 0)
        {
            newState = failedTotal == 0 ? "delivered" : "failed";
            await ReleaseBlobsAsync(connection, transaction, id, cancellationToken);
            await using var finish = new NpgsqlCommand("""
                UPDATE outbound_queue SET state = $2, attempts = attempts + 1, claimed_at = NULL, finished_at = now(),
                    last_error = coalesce($3, last_error)
                WHERE id = $1
                """, connection, transaction);
            finish.Parameters.Add(new() { Value = id });
            finish.Parameters.Add(new() { Value = newState });
            finish.Parameters.Add(new() { Value = (object?)lastError ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            await finish.ExecuteNonQueryAsync(cancellationToken);
        }
        else
        {
            newState = "queued";
            await using var requeue = new NpgsqlCommand("""
                UPDATE outbound_queue SET state = 'queued', attempts = attempts + 1, claimed_at = NULL,
                    next_attempt_at = now() + $2, last_error = coalesce($3, last_error)
                WHERE id = $1
                """, connection, transaction);
            requeue.Parameters.Add(new() { Value = id });
            requeue.Parameters.Add(new() { Value = retryAfter });
            requeue.Parameters.Add(new() { Value = (object?)lastError ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            await requeue.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return new QueueProgress(newState, failed, delivered);
    }

    /// <summary>Puts a delivering entry back in the queue after an attempt that failed without recording outcomes.</summary>
    public async Task<bool> RequeueAsync(long id, TimeSpan delay, string error, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE outbound_queue SET state = 'queued', claimed_at = NULL, attempts = attempts + 1,
                next_attempt_at = now() + $2, last_error = $3
            WHERE id = $1 AND state = 'delivering'
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = delay });
        command.Parameters.Add(new() { Value = error });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Records that the sender is being told of the delay; true only for the first caller, so one
    /// entry yields at most one delay notice.
    /// </summary>
    public async Task<bool> MarkDelayNotifiedAsync(long id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE outbound_queue SET delay_notified_at = now() WHERE id = $1 AND delay_notified_at IS NULL AND state IN ('queued', 'delivering')");
        command.Parameters.Add(new() { Value = id });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Makes a queued entry due now; false when there is no such queued entry.</summary>
    public async Task<bool> RetryNowAsync(long id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE outbound_queue SET next_attempt_at = now() WHERE id = $1 AND state = 'queued'");
        command.Parameters.Add(new() { Value = id });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Drops an entry, releasing its blob references unless it finished (and released them) already.</summary>
    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockRow = new NpgsqlCommand("SELECT finished_at IS NULL FROM outbound_queue WHERE id = $1 FOR UPDATE", connection, transaction))
        {
            lockRow.Parameters.Add(new() { Value = id });
            if (await lockRow.ExecuteScalarAsync(cancellationToken) is not bool holdsBlobs)
                return false;
            if (holdsBlobs)
                await ReleaseBlobsAsync(connection, transaction, id, cancellationToken);
        }
        await using (var delete = new NpgsqlCommand("DELETE FROM outbound_queue WHERE id = $1", connection, transaction))
        {
            delete.Parameters.Add(new() { Value = id });
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private static async Task ReleaseBlobsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long id, CancellationToken cancellationToken)
    {
        // Blobs in hash order, the one order every writer uses.
        await using (var lockBlobs = new NpgsqlCommand("""
            SELECT b.hash FROM blobs b WHERE b.hash IN (SELECT unnest(q.segments) FROM outbound_queue q WHERE q.id = $1)
            ORDER BY b.hash FOR UPDATE
            """, connection, transaction))
        {
            lockBlobs.Parameters.Add(new() { Value = id });
            await lockBlobs.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var release = new NpgsqlCommand("""
            UPDATE blobs b SET refcount = b.refcount - c.n, touched_at = now()
            FROM (SELECT s.hash, count(*) AS n FROM outbound_queue q CROSS JOIN LATERAL unnest(q.segments) AS s(hash)
                  WHERE q.id = $1 GROUP BY s.hash) AS c
            WHERE b.hash = c.hash
            """, connection, transaction);
        release.Parameters.Add(new() { Value = id });
        await release.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<List<QueueEntry>> QueryAsync(string where, NpgsqlParameter[] parameters, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT q.id, q.account_id, q.mail_from, q.state, q.attempts, q.next_attempt_at, q.last_error, q.size, q.created_at, q.finished_at,
                   q.dsn_return_full, q.dsn_envelope_id
            FROM outbound_queue q {where}
            """);
        command.Parameters.AddRange(parameters);
        var rows = new List<QueueEntry>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new QueueEntry(
                    reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.GetString(2), reader.GetString(3),
                    reader.GetInt32(4), reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                    reader.GetInt64(7), reader.GetFieldValue<DateTimeOffset>(8), reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9), [],
                    reader.GetBoolean(10), reader.IsDBNull(11) ? null : reader.GetString(11)));
            }
        }
        if (rows.Count == 0)
            return [];

        var recipients = new Dictionary<long, List<QueueRecipient>>();
        await using (var detail = dataSource.CreateCommand(
            "SELECT queue_id, address, state, attempts, last_error, last_attempt_at, dsn_notify, dsn_original_recipient FROM outbound_recipients WHERE queue_id = ANY($1) ORDER BY queue_id, address"))
        {
            detail.Parameters.Add(new() { Value = rows.Select(r => r.Id).ToArray() });
            await using var reader = await detail.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var queueId = reader.GetInt64(0);
                if (!recipients.TryGetValue(queueId, out var list))
                    recipients[queueId] = list = [];
                list.Add(ReadRecipient(reader, 1));
            }
        }
        return [.. rows.Select(r => r with { Recipients = recipients.TryGetValue(r.Id, out var list) ? list : [] })];
    }

    private static QueueRecipient ReadRecipient(NpgsqlDataReader reader, int first) => new(
        reader.GetString(first), reader.GetString(first + 1), reader.GetInt32(first + 2),
        reader.IsDBNull(first + 3) ? null : reader.GetString(first + 3),
        reader.IsDBNull(first + 4) ? null : reader.GetFieldValue<DateTimeOffset>(first + 4),
        reader.IsDBNull(first + 5) ? null : (NotifyOn)reader.GetInt16(first + 5),
        reader.IsDBNull(first + 6) ? null : reader.GetString(first + 6));
}
