using Npgsql;
using NpgsqlTypes;
using RestMail.Grains.Mailboxes;
using RestMail.Storage.Mail;

namespace RestMail.Grains.Mailboxes;

internal sealed partial class MailboxTransaction
{
    // One round trip per message: allocate the UID, find the thread, insert the row and its change.
    // The small headers vector is built here; the all-text one after the commit, by the search
    // indexer, which finds the message in search_pending (0010_search_after_commit.sql).
    // The thread is that of the earliest message with one of the keys, found key by key through
    // messages_account_msgid: a message starting a conversation has no keys and reads nothing.
    // (OFFSET 0 keeps the subquery a lookup per key: as a plain join, a plan made while the account
    // was small read the account's messages and compared each with the keys.)
    internal const string InsertMessageSql = """
        WITH f AS (
            UPDATE folders SET uid_next = uid_next + 1
            WHERE id = $1 AND account_id = $2
            RETURNING uid_next - 1 AS uid),
        t AS (
            SELECT (array_agg(m.thread_id ORDER BY m.id))[1] AS thread_id
            FROM unnest($15::text[]) AS k(key),
                 LATERAL (SELECT id, thread_id FROM messages
                          WHERE account_id = $2 AND message_id_header = k.key OFFSET 0) AS m),
        n AS (SELECT nextval(pg_get_serial_sequence('messages', 'id')) AS id),
        m AS (
            INSERT INTO messages (id, account_id, folder_id, uid, modseq, flags, keywords, internal_date, size, segments,
                                  from_address, from_name, to_addresses, cc_addresses, subject, sent_date,
                                  message_id_header, in_reply_to, references_header, has_attachments, preview,
                                  thread_id, headers)
            SELECT n.id, $2, $1, f.uid, $3, $4, $5, $6, $7, $8,
                   $9, $10, $11, $12, $13, $14,
                   $16, $17, $18, $19, $20,
                   coalesce((SELECT thread_id FROM t), n.id),
                   setweight(to_tsvector('simple', coalesce($13, '')), 'A')
                   || setweight(to_tsvector('simple', $21), 'B')
                   || setweight(to_tsvector('simple', $22), 'C')
            FROM f, n
            RETURNING id, uid),
        p AS (INSERT INTO search_pending (message_id, account_id) SELECT m.id, $2 FROM m)
        INSERT INTO changes (account_id, modseq, kind, message_id, folder_id, uid)
        SELECT $2, $3, 1, m.id, $1, m.uid FROM m
        RETURNING message_id, uid
        """;

    /// <summary>
    /// Stores several messages with one round trip: every check happens first (folder, content,
    /// quota, with the earlier messages of the batch already counted), then all inserts are sent
    /// together as one pipelined batch — with the counters and the COMMIT when
    /// <paramref name="commit"/> says this is the transaction's last work.
    /// </summary>
    public async Task<IReadOnlyList<DeliveryResult>> DeliverAsync(IReadOnlyList<DeliveryRequest> requests, bool commit, CancellationToken cancellationToken)
    {
        var results = new DeliveryResult[requests.Count];
        var pending = new List<(int Index, long FolderId, long ModSeq)>();
        await using var batch = new NpgsqlBatch(_connection);
        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i];
            var content = request.Content;
            if (ResolveFolder(request.FolderId, request.Role) is not { } folderId)
                results[i] = DeliveryResult.Failed(DeliveryStatus.FolderNotFound);
            else if (!content.Segments.All(_lockedBlobs.Contains))
                results[i] = DeliveryResult.Failed(DeliveryStatus.ContentMissing);
            else if (!FitsQuota(content.Size))
                results[i] = DeliveryResult.Failed(DeliveryStatus.OverQuota);
            else
            {
                var modSeq = NextModSeq();
                batch.BatchCommands.Add(InsertMessage(request, folderId, modSeq));
                pending.Add((i, folderId, modSeq));
                // Counted now so that the next message of this batch sees the quota this one uses.
                AddBlobReferences(content.Segments, +1);
                CountAccount(content.Size, 1);
                CountMessage(folderId, content.Size, 1, request.Flags.HasFlag(MessageFlags.Seen) ? 0 : 1, modSeq);
            }
        }
        if (pending.Count == 0)
        {
            if (commit && Changed)
                await CommitAsync(cancellationToken);
            return results;
        }
        if (commit)
            AppendCommit(batch);
        AddPrelude(batch);

        await batch.PrepareAsync(cancellationToken);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        // Past a resumed transaction's BEGIN, check and blob inserts, which return no rows.
        while (reader.FieldCount == 0 && await reader.NextResultAsync(cancellationToken))
        {
        }
        foreach (var (index, folderId, modSeq) in pending)
        {
            // The folder was checked above and this grain is its only writer: a row always comes back.
            if (!await reader.ReadAsync(cancellationToken))
                throw new InvalidOperationException($"Folder {folderId} vanished while delivering into it.");
            results[index] = new DeliveryResult
            {
                Status = DeliveryStatus.Stored,
                MessageId = reader.GetInt64(0),
                FolderId = folderId,
                Uid = reader.GetInt64(1),
                ModSeq = modSeq,
            };
            await reader.NextResultAsync(cancellationToken);
        }
        if (commit)
        {
            // Read through the counter updates and the COMMIT: an error in any of them surfaces here.
            while (await reader.NextResultAsync(cancellationToken))
            {
            }
            Committed = true;
        }
        return results;
    }

    private NpgsqlBatchCommand InsertMessage(DeliveryRequest request, long folderId, long modSeq)
    {
        var content = request.Content;
        var summary = content.Summary;
        var command = new NpgsqlBatchCommand(InsertMessageSql);
        var p = command.Parameters;
        p.Add(new() { Value = folderId });
        p.Add(new() { Value = _accountId });
        p.Add(new() { Value = modSeq });
        p.Add(new() { Value = (int)request.Flags });
        p.Add(new() { Value = Keywords.Normalize(request.Keywords) });
        // Npgsql writes timestamptz only from UTC offsets; IMAP APPEND and Date headers carry any zone.
        p.Add(new() { Value = (request.InternalDate ?? DateTimeOffset.UtcNow).ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        p.Add(new() { Value = content.Size });
        p.Add(new() { Value = content.Segments.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        p.Add(Text(summary.FromAddress));
        p.Add(Text(summary.FromName));
        p.Add(new() { Value = summary.To.ToArray() });
        p.Add(new() { Value = summary.Cc.ToArray() });
        p.Add(Text(summary.Subject));
        p.Add(new() { Value = summary.Date is { } date ? date.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        p.Add(new() { Value = ThreadKeys(summary) });
        p.Add(Text(summary.MessageId));
        p.Add(Text(summary.InReplyTo));
        p.Add(new() { Value = summary.References.ToArray() });
        p.Add(new() { Value = summary.HasAttachments });
        p.Add(new() { Value = summary.Preview });
        p.Add(new() { Value = SearchDocument.FromAddresses(summary) });
        p.Add(new() { Value = SearchDocument.ToAddresses(summary) });
        return command;
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = value is null ? DBNull.Value : value, NpgsqlDbType = NpgsqlDbType.Text };

    /// <summary>A reply joins the thread of the message it answers (RFC 5322 §3.6.4): In-Reply-To, then References newest first.</summary>
    private static string[] ThreadKeys(MessageSummary summary)
    {
        var keys = new List<string>();
        if (summary.InReplyTo is { } inReplyTo)
            keys.Add(inReplyTo);
        keys.AddRange(summary.References.Reverse());
        return [.. keys.Distinct(StringComparer.Ordinal)];
    }
}
