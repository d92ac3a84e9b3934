using Npgsql;
using NpgsqlTypes;
using RestMail.Grains.Mailboxes;
using RestMail.Grains.Queue;
using RestMail.Storage.Blobs;

namespace RestMail.Grains.Delivery;

/// <summary>
/// The durable queue of mail for remote domains. An entry holds references to the message's
/// blobs, taken in the same transaction as the row; the SMTP/federation delivery drains it.
/// </summary>
internal sealed class OutboundQueue(NpgsqlDataSource dataSource, OutboundQueueSignal signal)
{
    /// <summary>
    /// Queues one entry for the remote recipients, with what the sender asked of delivery status
    /// notifications (RFC 3461); null when the content vanished meanwhile.
    /// </summary>
    public async Task<long?> EnqueueAsync(
        long? accountId, string mailFrom, IReadOnlyList<string> recipients, StoredContent content, DeliveryNotifications? notifications,
        CancellationToken cancellationToken)
    {
        notifications ??= new DeliveryNotifications();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var distinct = content.Segments.Distinct(ByteArrayComparer.Instance).Order(ByteArrayComparer.Instance).ToArray();
        await using (var lockBlobs = new NpgsqlCommand("SELECT count(*) FROM (SELECT 1 FROM blobs WHERE hash = ANY($1) ORDER BY hash FOR UPDATE) x", connection, transaction))
        {
            lockBlobs.Parameters.Add(new() { Value = distinct, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
            if ((long)(await lockBlobs.ExecuteScalarAsync(cancellationToken))! != distinct.Length)
                return null;
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        var references = new NpgsqlBatchCommand("""
            UPDATE blobs b SET refcount = b.refcount + d.n, touched_at = now()
            FROM (SELECT h, count(*) AS n FROM unnest($1::bytea[]) AS h GROUP BY h) AS d
            WHERE b.hash = d.h
            """);
        references.Parameters.Add(new() { Value = content.Segments.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        var insert = new NpgsqlBatchCommand("""
            WITH q AS (
                INSERT INTO outbound_queue (account_id, mail_from, recipients, segments, size, dsn_return_full, dsn_envelope_id)
                VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id),
            r AS (
                INSERT INTO outbound_recipients (queue_id, address, dsn_notify, dsn_original_recipient)
                SELECT q.id, a.address, a.notify, a.original FROM q, unnest($3::text[], $8::smallint[], $9::text[]) AS a(address, notify, original)
                ON CONFLICT DO NOTHING)
            SELECT id FROM q
            """);
        insert.Parameters.Add(new() { Value = accountId is { } id ? id : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        insert.Parameters.Add(new() { Value = mailFrom });
        insert.Parameters.Add(new() { Value = recipients.ToArray() });
        insert.Parameters.Add(new() { Value = content.Segments.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        insert.Parameters.Add(new() { Value = content.Size });
        insert.Parameters.Add(new() { Value = notifications.ReturnFullMessage });
        insert.Parameters.Add(new() { Value = (object?)notifications.EnvelopeId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        var requested = recipients.Select(notifications.For).ToList();
        insert.Parameters.Add(new() { Value = requested.Select(r => (short?)r.Notify).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Smallint });
        insert.Parameters.Add(new() { Value = requested.Select(r => r.OriginalRecipient).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        // The insert comes first so that its id is the batch's scalar.
        batch.BatchCommands.Add(insert);
        batch.BatchCommands.Add(references);
        var queueId = (long)(await batch.ExecuteScalarAsync(cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        signal.Notify();
        return queueId;
    }
}
