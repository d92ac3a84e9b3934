using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using RestMail.Grains.Mailboxes;

namespace RestMail.Storage.Mail;

/// <summary>
/// The read side of the mail store: listing, fetching, search, the change log and quota. Reads go
/// straight to PostgreSQL (writes go through the mailbox grain). Every query is scoped by account,
/// so another account's ids simply are not found.
/// </summary>
public sealed class MailQueries(NpgsqlDataSource dataSource, SearchIndexer searchIndexer)
{
    private const int MaxPage = 500;

    private const string MessageColumns = """
        m.id, m.folder_id, m.uid, m.modseq, m.flags, m.keywords, m.internal_date, m.size,
        m.from_address, m.from_name, m.to_addresses, m.cc_addresses, m.subject, m.sent_date,
        m.message_id_header, m.in_reply_to, m.references_header, m.has_attachments, m.preview, m.thread_id
        """;

    private const string FolderColumns = "id, name, role, total, unread, size_bytes, uid_validity, uid_next, modseq";

    public async Task<IReadOnlyList<FolderInfo>> ListFoldersAsync(long accountId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {FolderColumns} FROM folders WHERE account_id = $1
            ORDER BY role IS NULL, array_position(ARRAY['inbox','drafts','sent','archive','junk','trash'], role), name
            """);
        command.Parameters.Add(new() { Value = accountId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var folders = new List<FolderInfo>();
        while (await reader.ReadAsync(cancellationToken))
            folders.Add(ReadFolder(reader));
        return folders;
    }

    public async Task<FolderInfo?> GetFolderAsync(long accountId, long folderId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {FolderColumns} FROM folders WHERE account_id = $1 AND id = $2");
        command.Parameters.Add(new() { Value = accountId });
        command.Parameters.Add(new() { Value = folderId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadFolder(reader) : null;
    }

    public Task<MessagePage> ListMessagesAsync(long accountId, long folderId, MessageListQuery query, CancellationToken cancellationToken)
    {
        var sql = new SqlBuilder(accountId);
        sql.Where($"m.folder_id = {sql.Add(folderId)}");
        return PageAsync(sql, query, cancellationToken);
    }

    public async Task<MessageListItem?> GetMessageAsync(long accountId, long messageId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {MessageColumns} FROM messages m WHERE m.account_id = $1 AND m.id = $2");
        command.Parameters.Add(new() { Value = accountId });
        command.Parameters.Add(new() { Value = messageId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadMessage(reader) : null;
    }

    /// <summary>The message exactly as it was received: its segments concatenated in order.</summary>
    public async Task<byte[]?> GetRawAsync(long accountId, long messageId, CancellationToken cancellationToken) =>
        (await GetRawManyAsync(accountId, [messageId], cancellationToken)).GetValueOrDefault(messageId);

    /// <summary>Several messages exactly as received, by id, in one query; ids not found (or another account's) are missing from the answer.</summary>
    public async Task<Dictionary<long, byte[]>> GetRawManyAsync(long accountId, IReadOnlyCollection<long> messageIds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(RawSegmentsSql + " WHERE m.account_id = $1 AND m.id = ANY($2) ORDER BY m.id, s.n");
        command.Parameters.Add(new() { Value = accountId });
        command.Parameters.Add(new() { Value = messageIds.ToArray() });
        return await ReadRawsAsync(command, cancellationToken);
    }

    /// <summary>Every segment of the selected messages with its blob; callers add WHERE and <c>ORDER BY m.id, s.n</c>.</summary>
    internal const string RawSegmentsSql = """
        SELECT m.id, m.size, b.data
        FROM messages m
        CROSS JOIN LATERAL unnest(m.segments) WITH ORDINALITY AS s(hash, n)
        LEFT JOIN blobs b ON b.hash = s.hash
        """;

    /// <summary>Reassembles the raw messages a <see cref="RawSegmentsSql"/> query returns.</summary>
    internal static async Task<Dictionary<long, byte[]>> ReadRawsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var raws = new Dictionary<long, byte[]>();
        var (current, raw, offset) = (0L, Array.Empty<byte>(), 0);
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetInt64(0);
            if (raws.Count == 0 || id != current)
            {
                CheckComplete(current, raw, offset, raws.Count > 0);
                (current, raw, offset) = (id, new byte[reader.GetInt64(1)], 0);
                raws[id] = raw;
            }
            if (reader.IsDBNull(2))
                throw new InvalidOperationException($"Message {id} references a blob that is missing from the store.");
            var segment = reader.GetFieldValue<byte[]>(2);
            segment.CopyTo(raw, offset);
            offset += segment.Length;
        }
        CheckComplete(current, raw, offset, raws.Count > 0);
        return raws;
    }

    private static void CheckComplete(long messageId, byte[] raw, int offset, bool any)
    {
        if (any && offset != raw.Length)
            throw new InvalidOperationException($"Message {messageId} reassembled to {offset} bytes, expected {raw.Length}.");
    }

    public async Task<MessagePage> SearchAsync(long accountId, string q, MessageListQuery paging, CancellationToken cancellationToken)
    {
        var search = SearchQuery.Parse(q);
        var sql = new SqlBuilder(accountId);
        // Bare words match the all-text vector (message_search), field terms the small weighted
        // headers vector on the message row.
        foreach (var (allText, terms) in search.Terms.GroupBy(t => t.Weights.Length == 0).Select(g => (g.Key, g.ToList())))
        {
            sql.MatchesSeveralTerms |= terms.Count > 1;
            var query = $"restmail_search_query({sql.Add(terms.Select(t => t.Text).ToArray())}, {sql.Add(terms.Select(t => t.Weights).ToArray())})";
            if (!allText)
            {
                sql.Where($"m.headers @@ {query}");
                continue;
            }
            // The all-text vectors are written after the commit: what the account still has
            // waiting is indexed first, so a search finds every message already delivered.
            await searchIndexer.CatchUpAsync(accountId, cancellationToken);
            sql.Where($"m.id IN (SELECT s.message_id FROM message_search s WHERE s.account_id = $1 AND s.search @@ {query})");
        }
        if (search.FolderId is { } folderId)
            sql.Where($"m.folder_id = {sql.Add(folderId)}");
        if (search.FolderName is { } folderName)
            sql.Where($"m.folder_id = (SELECT id FROM folders WHERE account_id = $1 AND (lower(name) = lower({sql.Add(folderName)}) OR role = lower({sql.Add(folderName)})))");
        if (search.HasAttachments is { } has)
            sql.Where($"m.has_attachments = {sql.Add(has)}");
        if (search.FlagsSet != MessageFlags.None)
            sql.Where($"m.flags & {sql.Add((int)search.FlagsSet)} = {sql.Add((int)search.FlagsSet)}");
        if (search.FlagsClear != MessageFlags.None)
            sql.Where($"m.flags & {sql.Add((int)search.FlagsClear)} = 0");
        if (search.Keywords.Count > 0)
            sql.Where($"m.keywords @> {sql.Add(search.Keywords.ToArray())}");
        if (search.After is { } after)
            sql.Where($"m.internal_date >= {sql.Add(after)}");
        if (search.Before is { } before)
            sql.Where($"m.internal_date < {sql.Add(before)}");
        return await PageAsync(sql, paging, cancellationToken);
    }

    public async Task<ChangeFeed> GetChangesAsync(long accountId, long sinceModSeq, int limit, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        var account = new NpgsqlBatchCommand("SELECT highest_modseq, changes_floor FROM accounts WHERE id = $1");
        account.Parameters.Add(new() { Value = accountId });
        var changes = new NpgsqlBatchCommand("""
            SELECT modseq, kind, message_id, folder_id, uid, prev_folder_id, prev_uid, created_at
            FROM changes WHERE account_id = $1 AND modseq > $2 ORDER BY modseq LIMIT $3
            """);
        changes.Parameters.Add(new() { Value = accountId });
        changes.Parameters.Add(new() { Value = sinceModSeq });
        changes.Parameters.Add(new() { Value = Math.Clamp(limit, 1, 10_000) });
        batch.BatchCommands.Add(account);
        batch.BatchCommands.Add(changes);

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return new ChangeFeed([], 0, ResyncRequired: false);
        var highest = reader.GetInt64(0);
        var floor = reader.GetInt64(1);
        if (sinceModSeq < floor || sinceModSeq > highest)
            return new ChangeFeed([], highest, ResyncRequired: true);

        await reader.NextResultAsync(cancellationToken);
        var list = new List<ChangeRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new ChangeRecord(
                reader.GetInt64(0),
                (ChangeKind)reader.GetInt16(1),
                NullableInt64(reader, 2),
                NullableInt64(reader, 3),
                NullableInt64(reader, 4),
                NullableInt64(reader, 5),
                NullableInt64(reader, 6),
                reader.GetFieldValue<DateTimeOffset>(7)));
        }
        return new ChangeFeed(list, highest, ResyncRequired: false);
    }

    public async Task<QuotaUsage?> GetQuotaAsync(long accountId, CancellationToken cancellationToken)
    {
        // Stored bytes count every distinct blob the account's messages reference once.
        await using var command = dataSource.CreateCommand("""
            SELECT a.used_bytes, a.quota_bytes, a.message_count, d.quota_bytes,
                   (SELECT coalesce(sum(o.used_bytes), 0)::bigint FROM accounts o WHERE o.domain_id = a.domain_id),
                   (SELECT coalesce(sum(b.size), 0)::bigint FROM blobs b
                     WHERE b.hash IN (SELECT unnest(m.segments) FROM messages m WHERE m.account_id = a.id))
            FROM accounts a JOIN domains d ON d.id = a.domain_id
            WHERE a.id = $1
            """);
        command.Parameters.Add(new() { Value = accountId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        var used = reader.GetInt64(0);
        return new QuotaUsage(
            UsedBytes: used,
            LimitBytes: NullableInt64(reader, 1),
            MessageCount: reader.GetInt64(2),
            DomainUsedBytes: reader.GetInt64(4),
            DomainLimitBytes: NullableInt64(reader, 3),
            LogicalBytes: used,
            StoredBytes: reader.GetInt64(5));
    }

    private async Task<MessagePage> PageAsync(SqlBuilder sql, MessageListQuery query, CancellationToken cancellationToken)
    {
        var limit = Math.Clamp(query.Limit, 1, MaxPage);
        var (keyColumn, descending) = query.Sort switch
        {
            MessageSort.DateAsc => ("m.internal_date", false),
            MessageSort.SizeDesc => ("m.size", true),
            MessageSort.SizeAsc => ("m.size", false),
            _ => ("m.internal_date", true),
        };
        var bySize = query.Sort is MessageSort.SizeAsc or MessageSort.SizeDesc;
        if (query.Cursor is not null)
        {
            var (key, id) = Cursor.Decode(query.Cursor, query.Sort);
            object keyValue = bySize ? key : new DateTimeOffset(key, TimeSpan.Zero);
            // Keyset paging: rows strictly after the last one of the previous page, (key, id) being unique.
            sql.Where($"({keyColumn}, m.id) {(descending ? "<" : ">")} ({sql.Add(keyValue)}, {sql.Add(id)})");
        }
        var direction = descending ? "DESC" : "ASC";
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (sql.MatchesSeveralTerms)
        {
            // Several AND-ed words match few messages, but the planner, counting them as
            // independent, often prefers walking the date index and testing each row's vector,
            // which for rare combinations reads thousands of rows. The GIN bitmap is right here.
            await using var hint = new NpgsqlCommand("SET LOCAL enable_indexscan = off", connection, transaction);
            await hint.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var command = new NpgsqlCommand(
            $"SELECT {MessageColumns} FROM messages m WHERE {sql.Conditions} ORDER BY {keyColumn} {direction}, m.id {direction} LIMIT {limit + 1}",
            connection, transaction);
        command.Parameters.AddRange(sql.Parameters.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = new List<MessageListItem>(limit + 1);
        while (await reader.ReadAsync(cancellationToken))
            items.Add(ReadMessage(reader));
        string? next = null;
        if (items.Count > limit)
        {
            items.RemoveAt(limit);
            var last = items[^1];
            next = Cursor.Encode(query.Sort, bySize ? last.Size : last.InternalDate.UtcTicks, last.Id);
        }
        return new MessagePage(items, next);
    }

    private static FolderInfo ReadFolder(NpgsqlDataReader reader) => new(
        reader.GetInt64(0), reader.GetString(1), FolderRoles.FromColumn(reader.IsDBNull(2) ? null : reader.GetString(2)),
        reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8));

    private static MessageListItem ReadMessage(NpgsqlDataReader reader) => new(
        Id: reader.GetInt64(0),
        FolderId: reader.GetInt64(1),
        Uid: reader.GetInt64(2),
        ModSeq: reader.GetInt64(3),
        Flags: (MessageFlags)reader.GetInt32(4),
        Keywords: reader.GetFieldValue<string[]>(5),
        InternalDate: reader.GetFieldValue<DateTimeOffset>(6),
        Size: reader.GetInt64(7),
        FromAddress: NullableString(reader, 8),
        FromName: NullableString(reader, 9),
        To: reader.GetFieldValue<string[]>(10),
        Cc: reader.GetFieldValue<string[]>(11),
        Subject: NullableString(reader, 12),
        SentDate: reader.IsDBNull(13) ? null : reader.GetFieldValue<DateTimeOffset>(13),
        MessageIdHeader: NullableString(reader, 14),
        InReplyTo: NullableString(reader, 15),
        References: reader.GetFieldValue<string[]>(16),
        HasAttachments: reader.GetBoolean(17),
        Preview: reader.GetString(18),
        ThreadId: reader.GetInt64(19));

    private static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static long? NullableInt64(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    /// <summary>Positional parameters and AND-ed conditions; $1 is always the account id.</summary>
    private sealed class SqlBuilder
    {
        private readonly List<string> _conditions = ["m.account_id = $1"];

        public SqlBuilder(long accountId) => Parameters.Add(new NpgsqlParameter { Value = accountId });

        public List<NpgsqlParameter> Parameters { get; } = [];

        public string Conditions => string.Join(" AND ", _conditions);

        /// <summary>The full-text condition AND-s several terms (see PageAsync).</summary>
        public bool MatchesSeveralTerms { get; set; }

        public string Add(object value)
        {
            Parameters.Add(value is DateTimeOffset ? new NpgsqlParameter { Value = value, NpgsqlDbType = NpgsqlDbType.TimestampTz } : new NpgsqlParameter { Value = value });
            return "$" + Parameters.Count.ToString(CultureInfo.InvariantCulture);
        }

        public void Where(string condition) => _conditions.Add(condition);
    }

    /// <summary>Opaque page cursors: base64url of "sort:key:id".</summary>
    private static class Cursor
    {
        public static string Encode(MessageSort sort, long key, long id) =>
            Base64Url.EncodeToString(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{(int)sort}:{key}:{id}")));

        public static (long Key, long Id) Decode(string cursor, MessageSort sort)
        {
            try
            {
                var parts = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(cursor)).Split(':');
                if (parts.Length == 3
                    && int.Parse(parts[0], CultureInfo.InvariantCulture) == (int)sort
                    && long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var key)
                    && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                {
                    return (key, id);
                }
            }
            catch (FormatException)
            {
            }
            throw new InvalidQueryException("The cursor is not valid for this listing; start again without one.");
        }
    }
}
