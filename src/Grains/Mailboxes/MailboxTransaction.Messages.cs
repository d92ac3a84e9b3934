using Npgsql;
using RestMail.Grains.Mailboxes;
using RestMail.Storage.Mail;

namespace RestMail.Grains.Mailboxes;

internal sealed partial class MailboxTransaction
{
    private sealed record Row(long Id, long FolderId, long Uid, MessageFlags Flags, string[] Keywords, long Size, byte[][] Segments, long ModSeq);

    /// <summary>Locks the account's messages among <paramref name="ids"/>; the rest are reported as not found.</summary>
    private async Task<(List<Row> Rows, List<long> NotFound)> LockMessagesAsync(IReadOnlyList<long> ids, CancellationToken cancellationToken)
    {
        await using var command = Command("""
            SELECT id, folder_id, uid, flags, keywords, size, segments, modseq FROM messages
            WHERE account_id = $1 AND id = ANY($2) ORDER BY id FOR UPDATE
            """);
        command.Parameters.Add(new() { Value = _accountId });
        command.Parameters.Add(new() { Value = ids.Distinct().ToArray() });
        var rows = new List<Row>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new Row(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), (MessageFlags)reader.GetInt32(3),
                    reader.GetFieldValue<string[]>(4), reader.GetInt64(5), reader.GetFieldValue<byte[][]>(6), reader.GetInt64(7)));
            }
        }
        var found = rows.Select(r => r.Id).ToHashSet();
        return (rows, ids.Where(id => !found.Contains(id)).Distinct().ToList());
    }

    public async Task<BulkResult> SetFlagsAsync(FlagUpdate update, CancellationToken cancellationToken)
    {
        var (rows, notFound) = await LockMessagesAsync(update.MessageIds, cancellationToken);
        var add = Keywords.Normalize(update.AddKeywords);
        var remove = update.RemoveKeywords.ToHashSet(StringComparer.Ordinal);
        var changed = new List<MessageChange>();
        var modified = new List<long>();
        await using var batch = new NpgsqlBatch(_connection);
        foreach (var row in rows)
        {
            // RFC 7162 §3.1.3: UNCHANGEDSINCE is checked under the row lock, so no write slips in between.
            if (update.UnchangedSince is { } since && row.ModSeq > since)
            {
                modified.Add(row.Id);
                continue;
            }
            var flags = (row.Flags | update.Add) & ~update.Remove;
            var keywords = Keywords.Normalize(row.Keywords.Where(k => !remove.Contains(k)).Concat(add));
            // RFC 7162 §3.1.3: a store that changes nothing does not advance the MODSEQ.
            if (flags == row.Flags && keywords.SequenceEqual(row.Keywords, StringComparer.Ordinal))
                continue;
            var modSeq = NextModSeq();
            var command = new NpgsqlBatchCommand("""
                WITH u AS (UPDATE messages SET flags = $2, keywords = $3, modseq = $4 WHERE id = $1)
                INSERT INTO changes (account_id, modseq, kind, message_id, folder_id, uid) VALUES ($5, $4, 2, $1, $6, $7)
                """);
            command.Parameters.Add(new() { Value = row.Id });
            command.Parameters.Add(new() { Value = (int)flags });
            command.Parameters.Add(new() { Value = keywords });
            command.Parameters.Add(new() { Value = modSeq });
            command.Parameters.Add(new() { Value = _accountId });
            command.Parameters.Add(new() { Value = row.FolderId });
            command.Parameters.Add(new() { Value = row.Uid });
            batch.BatchCommands.Add(command);

            var unreadDelta = (row.Flags.HasFlag(MessageFlags.Seen) ? 1 : 0) - (flags.HasFlag(MessageFlags.Seen) ? 1 : 0);
            CountMessage(row.FolderId, 0, 0, unreadDelta, modSeq);
            changed.Add(new MessageChange { MessageId = row.Id, FolderId = row.FolderId, Uid = row.Uid, ModSeq = modSeq, Flags = flags, Keywords = keywords });
        }
        if (batch.BatchCommands.Count > 0)
            await batch.ExecuteNonQueryAsync(cancellationToken);
        return new BulkResult { Changed = changed, NotFound = notFound, Modified = modified };
    }

    /// <summary>Reserves <paramref name="count"/> consecutive UIDs in a folder; returns the first.</summary>
    private async Task<long> AllocateUidsAsync(long folderId, int count, CancellationToken cancellationToken)
    {
        await using var command = Command("UPDATE folders SET uid_next = uid_next + $2 WHERE id = $1 RETURNING uid_next - $2");
        command.Parameters.Add(new() { Value = folderId });
        command.Parameters.Add(new() { Value = (long)count });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Moves keep the message id; the message gets a new UID in the target folder (RFC 6851).</summary>
    public async Task<BulkResult> MoveAsync(IReadOnlyList<long> ids, long targetFolderId, CancellationToken cancellationToken)
    {
        if (!_folders.Contains(targetFolderId))
            return new BulkResult { Status = DeliveryStatus.FolderNotFound, NotFound = ids };
        var (rows, notFound) = await LockMessagesAsync(ids, cancellationToken);
        var moving = rows.Where(r => r.FolderId != targetFolderId).ToList();
        if (moving.Count == 0)
            return new BulkResult { NotFound = notFound };

        var uid = await AllocateUidsAsync(targetFolderId, moving.Count, cancellationToken);
        var changed = new List<MessageChange>();
        var (messageIds, uids, modSeqs) = (new long[moving.Count], new long[moving.Count], new long[moving.Count]);
        for (var i = 0; i < moving.Count; i++)
        {
            var row = moving[i];
            (messageIds[i], uids[i], modSeqs[i]) = (row.Id, uid++, NextModSeq());
            var unread = row.Flags.HasFlag(MessageFlags.Seen) ? 0 : 1;
            CountMessage(row.FolderId, -row.Size, -1, -unread, modSeqs[i]);
            CountMessage(targetFolderId, row.Size, 1, unread, modSeqs[i]);
            changed.Add(new MessageChange { MessageId = row.Id, FolderId = targetFolderId, Uid = uids[i], ModSeq = modSeqs[i], Flags = row.Flags, Keywords = row.Keywords });
        }

        await using var command = Command("""
            WITH u AS (
                UPDATE messages m SET folder_id = $1, uid = d.uid, modseq = d.modseq
                FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[]) AS d(id, uid, modseq, prev_folder, prev_uid)
                WHERE m.id = d.id)
            INSERT INTO changes (account_id, modseq, kind, message_id, folder_id, uid, prev_folder_id, prev_uid)
            SELECT $7, d.modseq, 3, d.id, $1, d.uid, d.prev_folder, d.prev_uid
            FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[]) AS d(id, uid, modseq, prev_folder, prev_uid)
            """);
        command.Parameters.Add(new() { Value = targetFolderId });
        command.Parameters.Add(new() { Value = messageIds });
        command.Parameters.Add(new() { Value = uids });
        command.Parameters.Add(new() { Value = modSeqs });
        command.Parameters.Add(new() { Value = moving.Select(r => r.FolderId).ToArray() });
        command.Parameters.Add(new() { Value = moving.Select(r => r.Uid).ToArray() });
        command.Parameters.Add(new() { Value = _accountId });
        await command.ExecuteNonQueryAsync(cancellationToken);
        return new BulkResult { Changed = changed, NotFound = notFound };
    }

    /// <summary>Copies are new messages (new ids and UIDs) sharing the originals' blobs; they count against quota.</summary>
    public async Task<BulkResult> CopyAsync(IReadOnlyList<long> ids, long targetFolderId, CancellationToken cancellationToken)
    {
        if (!_folders.Contains(targetFolderId))
            return new BulkResult { Status = DeliveryStatus.FolderNotFound, NotFound = ids };
        var (rows, notFound) = await LockMessagesAsync(ids, cancellationToken);
        if (rows.Count == 0)
            return new BulkResult { NotFound = notFound };
        if (!FitsQuota(rows.Sum(r => r.Size)))
            return new BulkResult { Status = DeliveryStatus.OverQuota, NotFound = notFound };

        var uid = await AllocateUidsAsync(targetFolderId, rows.Count, cancellationToken);
        var (uids, modSeqs) = (new long[rows.Count], new long[rows.Count]);
        for (var i = 0; i < rows.Count; i++)
        {
            (uids[i], modSeqs[i]) = (uid++, NextModSeq());
            AddBlobReferences(rows[i].Segments, +1);
            CountAccount(rows[i].Size, 1);
            CountMessage(targetFolderId, rows[i].Size, 1, rows[i].Flags.HasFlag(MessageFlags.Seen) ? 0 : 1, modSeqs[i]);
        }

        await using var command = Command("""
            WITH c AS (
                INSERT INTO messages (account_id, folder_id, uid, modseq, flags, keywords, internal_date, size, segments,
                                      from_address, from_name, to_addresses, cc_addresses, subject, sent_date,
                                      message_id_header, in_reply_to, references_header, has_attachments, preview,
                                      thread_id, headers)
                SELECT m.account_id, $1, d.uid, d.modseq, m.flags, m.keywords, m.internal_date, m.size, m.segments,
                       m.from_address, m.from_name, m.to_addresses, m.cc_addresses, m.subject, m.sent_date,
                       m.message_id_header, m.in_reply_to, m.references_header, m.has_attachments, m.preview,
                       m.thread_id, m.headers
                FROM unnest($2::bigint[], $3::bigint[], $4::bigint[]) AS d(id, uid, modseq)
                JOIN messages m ON m.id = d.id
                RETURNING id, uid, modseq),
            -- The copies' text is indexed again after the commit, like a delivery's.
            p AS (INSERT INTO search_pending (message_id, account_id) SELECT c.id, $5 FROM c)
            INSERT INTO changes (account_id, modseq, kind, message_id, folder_id, uid)
            SELECT $5, c.modseq, 1, c.id, $1, c.uid FROM c
            RETURNING message_id, uid, modseq
            """);
        command.Parameters.Add(new() { Value = targetFolderId });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Id).ToArray() });
        command.Parameters.Add(new() { Value = uids });
        command.Parameters.Add(new() { Value = modSeqs });
        command.Parameters.Add(new() { Value = _accountId });
        var byUid = rows.Select((row, i) => (row, uid: uids[i])).ToDictionary(x => x.uid, x => x.row);
        var changed = new List<MessageChange>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var source = byUid[reader.GetInt64(1)];
                changed.Add(new MessageChange
                {
                    MessageId = reader.GetInt64(0),
                    FolderId = targetFolderId,
                    Uid = reader.GetInt64(1),
                    ModSeq = reader.GetInt64(2),
                    Flags = source.Flags,
                    Keywords = source.Keywords,
                });
            }
        }
        return new BulkResult { Changed = [.. changed.OrderBy(c => c.Uid)], NotFound = notFound };
    }

    public async Task<BulkResult> ExpungeAsync(IReadOnlyList<long> ids, CancellationToken cancellationToken)
    {
        var (rows, notFound) = await LockMessagesAsync(ids, cancellationToken);
        if (rows.Count == 0)
            return new BulkResult { NotFound = notFound };
        var modSeqs = new long[rows.Count];
        var changed = new List<MessageChange>();
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            modSeqs[i] = NextModSeq();
            AddBlobReferences(row.Segments, -1);
            CountAccount(-row.Size, -1);
            CountMessage(row.FolderId, -row.Size, -1, row.Flags.HasFlag(MessageFlags.Seen) ? 0 : -1, modSeqs[i]);
            changed.Add(new MessageChange { MessageId = row.Id, FolderId = row.FolderId, Uid = row.Uid, ModSeq = modSeqs[i], Flags = row.Flags, Keywords = row.Keywords });
        }

        await using var command = Command("""
            WITH d AS (DELETE FROM messages WHERE id = ANY($1))
            INSERT INTO changes (account_id, modseq, kind, message_id, folder_id, uid)
            SELECT $2, x.modseq, 4, x.id, x.folder, x.uid
            FROM unnest($1::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) AS x(id, modseq, folder, uid)
            """);
        command.Parameters.Add(new() { Value = rows.Select(r => r.Id).ToArray() });
        command.Parameters.Add(new() { Value = _accountId });
        command.Parameters.Add(new() { Value = modSeqs });
        command.Parameters.Add(new() { Value = rows.Select(r => r.FolderId).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Uid).ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken);
        return new BulkResult { Changed = changed, NotFound = notFound };
    }
}
