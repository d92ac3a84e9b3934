using System.Data;
using Npgsql;
using RestMail.Grains.Mailboxes;
using RestMail.Storage.Mail;

namespace RestMail.Gateways.Imap;

/// <summary>
/// The IMAP gateway's reads, straight from PostgreSQL (writes go through the mailbox grain), and its
/// one table of its own: subscriptions. Every query is scoped by account.
/// </summary>
public sealed class ImapStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// The folder row, its UIDs and the account's highest MODSEQ in one repeatable-read snapshot, so
    /// that changes after that MODSEQ are exactly the ones the session has not seen.
    /// </summary>
    public async Task<ImapFolderSnapshot?> SelectAsync(long accountId, long folderId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command("""
            SELECT f.id, f.name, f.role, f.total, f.unread, f.size_bytes, f.uid_validity, f.uid_next, f.modseq, a.highest_modseq
            FROM folders f JOIN accounts a ON a.id = f.account_id WHERE f.account_id = $1 AND f.id = $2
            """, accountId, folderId));
        batch.BatchCommands.Add(Command("SELECT uid FROM messages WHERE account_id = $1 AND folder_id = $2 ORDER BY uid", accountId, folderId));
        batch.BatchCommands.Add(Command("SELECT min(uid) FROM messages WHERE account_id = $1 AND folder_id = $2 AND flags & 1 = 0", accountId, folderId));
        batch.BatchCommands.Add(Command("""
            SELECT DISTINCT k FROM messages, unnest(keywords) AS k WHERE account_id = $1 AND folder_id = $2 ORDER BY k LIMIT 200
            """, accountId, folderId));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        var folder = new FolderInfo(reader.GetInt64(0), reader.GetString(1), FolderRoles.FromColumn(reader.IsDBNull(2) ? null : reader.GetString(2)),
            reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8));
        var highest = reader.GetInt64(9);
        await reader.NextResultAsync(cancellationToken);
        var uids = new List<long>();
        while (await reader.ReadAsync(cancellationToken))
            uids.Add(reader.GetInt64(0));
        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        long? firstUnseen = reader.IsDBNull(0) ? null : reader.GetInt64(0);
        await reader.NextResultAsync(cancellationToken);
        var keywords = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
            keywords.Add(reader.GetString(0));
        return new ImapFolderSnapshot(folder, highest, [.. uids], keywords, firstUnseen);
    }

    /// <summary>The messages of a folder with the given UIDs (those still there), in UID order.</summary>
    public async Task<IReadOnlyList<ImapMessage>> GetMessagesAsync(long accountId, long folderId, IReadOnlyCollection<long> uids, CancellationToken cancellationToken)
    {
        if (uids.Count == 0)
            return [];
        await using var command = dataSource.CreateCommand("""
            SELECT id, uid, flags, keywords, internal_date, size, modseq FROM messages
            WHERE account_id = $1 AND folder_id = $2 AND uid = ANY($3) ORDER BY uid
            """);
        command.Parameters.Add(new() { Value = accountId });
        command.Parameters.Add(new() { Value = folderId });
        command.Parameters.Add(new() { Value = uids.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var messages = new List<ImapMessage>();
        while (await reader.ReadAsync(cancellationToken))
        {
            messages.Add(new ImapMessage(reader.GetInt64(0), reader.GetInt64(1), (MessageFlags)reader.GetInt32(2), reader.GetFieldValue<string[]>(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetInt64(5), reader.GetInt64(6)));
        }
        return messages;
    }

    /// <summary>
    /// UIDs that left the folder (expunged, or moved away) after <paramref name="sinceModSeq"/>, read from
    /// the change log; null when the log no longer reaches back that far (accounts.changes_floor).
    /// </summary>
    public async Task<IReadOnlyList<long>?> GetRemovedUidsSinceAsync(long accountId, long folderId, long sinceModSeq, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command("SELECT changes_floor FROM accounts WHERE id = $1", accountId));
        batch.BatchCommands.Add(Command($"""
            SELECT CASE WHEN kind = {(int)ChangeKind.Expunged} THEN uid ELSE prev_uid END FROM changes
            WHERE account_id = $1 AND modseq > $3
              AND ((kind = {(int)ChangeKind.Expunged} AND folder_id = $2) OR (kind = {(int)ChangeKind.Moved} AND prev_folder_id = $2))
            """, accountId, folderId, sinceModSeq));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken) || sinceModSeq < reader.GetInt64(0))
            return null;
        await reader.NextResultAsync(cancellationToken);
        var uids = new List<long>();
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!reader.IsDBNull(0))
                uids.Add(reader.GetInt64(0));
        }
        return uids;
    }

    /// <summary>SORT and THREAD fields of the messages with the given UIDs (RFC 5256), from the summary columns.</summary>
    public async Task<IReadOnlyList<ImapMessageHeaders>> GetHeadersAsync(long accountId, long folderId, IReadOnlyCollection<long> uids, CancellationToken cancellationToken)
    {
        if (uids.Count == 0)
            return [];
        await using var command = dataSource.CreateCommand("""
            SELECT uid, subject, from_address, to_addresses[1], cc_addresses[1], sent_date, internal_date, size,
                   message_id_header, in_reply_to, references_header
            FROM messages WHERE account_id = $1 AND folder_id = $2 AND uid = ANY($3) ORDER BY uid
            """);
        command.Parameters.Add(new() { Value = accountId });
        command.Parameters.Add(new() { Value = folderId });
        command.Parameters.Add(new() { Value = uids.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var headers = new List<ImapMessageHeaders>();
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        while (await reader.ReadAsync(cancellationToken))
        {
            headers.Add(new ImapMessageHeaders(reader.GetInt64(0), Text(1), Text(2), Text(3), Text(4),
                reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetInt64(7),
                Text(8), Text(9), reader.GetFieldValue<string[]>(10)));
        }
        return headers;
    }

    /// <summary>Those of the messages that have no stored search text yet (imap_search_text, 0008_imap_search.sql).</summary>
    public async Task<List<long>> MissingSearchTextAsync(IReadOnlyCollection<long> messageIds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT u.id FROM unnest($1::bigint[]) AS u(id)
            WHERE NOT EXISTS (SELECT 1 FROM imap_search_text t WHERE t.message_id = u.id)
            """);
        command.Parameters.Add(new() { Value = messageIds.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var missing = new List<long>();
        while (await reader.ReadAsync(cancellationToken))
            missing.Add(reader.GetInt64(0));
        return missing;
    }

    /// <summary>The highest message id in use, 0 with none.</summary>
    public async Task<long> LastMessageIdAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT coalesce(max(id), 0) FROM messages");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Up to <paramref name="limit"/> messages after id <paramref name="afterId"/> that have no stored search text yet, oldest first.</summary>
    public async Task<List<(long AccountId, long MessageId)>> MessagesWithoutSearchTextAsync(long afterId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT m.account_id, m.id FROM messages m
            WHERE m.id > $1 AND NOT EXISTS (SELECT 1 FROM imap_search_text t WHERE t.message_id = m.id)
            ORDER BY m.id LIMIT $2
            """);
        command.Parameters.Add(new() { Value = afterId });
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var messages = new List<(long, long)>();
        while (await reader.ReadAsync(cancellationToken))
            messages.Add((reader.GetInt64(0), reader.GetInt64(1)));
        return messages;
    }

    /// <summary>Stores search text; a message expunged meanwhile is skipped (its row would have gone with it).</summary>
    public async Task SaveSearchTextAsync(IReadOnlyList<(long Id, string Headers, string Body)> rows, CancellationToken cancellationToken)
    {
        try
        {
            await InsertSearchTextAsync(rows, cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation && rows.Count > 1)
        {
            // One of them is gone: the others still get theirs.
            foreach (var row in rows)
            {
                try
                {
                    await InsertSearchTextAsync([row], cancellationToken);
                }
                catch (PostgresException single) when (single.SqlState == PostgresErrorCodes.ForeignKeyViolation)
                {
                }
            }
        }
    }

    private async Task InsertSearchTextAsync(IReadOnlyList<(long Id, string Headers, string Body)> rows, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO imap_search_text (message_id, headers, body)
            SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])
            ON CONFLICT (message_id) DO NOTHING
            """);
        command.Parameters.Add(new() { Value = rows.Select(r => r.Id).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Headers).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Body).ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The messages of a folder whose stored search text matches: LIKE <paramref name="like"/> on the
    /// chosen columns, or the regular expression <paramref name="regex"/> on the header text.
    /// </summary>
    public async Task<HashSet<long>> MatchSearchTextAsync(long accountId, long folderId, (bool Headers, bool Body, string? Like, string? Regex) query,
        CancellationToken cancellationToken)
    {
        var condition = query switch
        {
            { Regex: not null } => "t.headers ~ $3",
            { Headers: true, Body: true } => "(t.headers LIKE $3 OR t.body LIKE $3)",
            { Body: true } => "t.body LIKE $3",
            _ => "t.headers LIKE $3",
        };
        await using var command = dataSource.CreateCommand($"""
            SELECT t.message_id FROM imap_search_text t JOIN messages m ON m.id = t.message_id
            WHERE m.account_id = $1 AND m.folder_id = $2 AND {condition}
            """);
        command.Parameters.Add(new() { Value = accountId });
        command.Parameters.Add(new() { Value = folderId });
        command.Parameters.Add(new() { Value = query.Regex ?? query.Like! });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ids = new HashSet<long>();
        while (await reader.ReadAsync(cancellationToken))
            ids.Add(reader.GetInt64(0));
        return ids;
    }

    /// <summary>How many messages of a folder carry \Deleted (RFC 9051 §6.3.11 STATUS DELETED).</summary>
    public async Task<long> CountDeletedAsync(long accountId, long folderId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT count(*) FROM messages WHERE account_id = $1 AND folder_id = $2 AND flags & {(int)MessageFlags.Deleted} <> 0");
        command.Parameters.Add(new() { Value = accountId });
        command.Parameters.Add(new() { Value = folderId });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The names the account subscribed to (LSUB, LIST (SUBSCRIBED)).</summary>
    public async Task<IReadOnlyList<string>> ListSubscriptionsAsync(long accountId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT name FROM imap_subscriptions WHERE account_id = $1 ORDER BY name");
        command.Parameters.Add(new() { Value = accountId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var names = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
            names.Add(reader.GetString(0));
        return names;
    }

    public async Task SetSubscribedAsync(long accountId, string name, bool subscribed, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(subscribed
            ? "INSERT INTO imap_subscriptions (account_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING"
            : "DELETE FROM imap_subscriptions WHERE account_id = $1 AND name = $2");
        command.Parameters.Add(new() { Value = accountId });
        command.Parameters.Add(new() { Value = name });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Renames a subscription with its folder (RFC 9051 §6.3.6 leaves it to the server; clients expect it).</summary>
    public async Task RenameSubscriptionsAsync(long accountId, string oldName, string newName, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE imap_subscriptions SET name = $3 || substr(name, length($2) + 1)
            WHERE account_id = $1 AND (name = $2 OR starts_with(name, $2 || '/'))
              AND NOT EXISTS (SELECT 1 FROM imap_subscriptions s WHERE s.account_id = $1 AND s.name = $3 || substr(imap_subscriptions.name, length($2) + 1))
            """);
        command.Parameters.Add(new() { Value = accountId });
        command.Parameters.Add(new() { Value = oldName });
        command.Parameters.Add(new() { Value = newName });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        return command;
    }
}
