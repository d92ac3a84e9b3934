using Npgsql;
using NpgsqlTypes;
using RestMail.Grains.Mailboxes;
using RestMail.Storage.Blobs;
using RestMail.Storage.Mail;

namespace RestMail.Grains.Mailboxes;

/// <summary>
/// One PostgreSQL transaction carrying a batch of writes to one account. It locks the account row
/// (so even a duplicate grain activation cannot interleave), hands out MODSEQs, checks quota, and
/// accumulates counter deltas (quota, folder counts, blob references) that are written once, just
/// before the commit. Expected refusals (over quota, unknown folder) return before writing anything.
/// BEGIN and COMMIT travel inside the first and last batches as plain statements (Npgsql has no way
/// to attach a COMMIT to a batch of an NpgsqlTransaction): a delivery then costs two round trips,
/// the load and the writes with their commit, instead of four. The load, delivery and commit batches
/// are prepared: Npgsql keeps prepared statements on its pooled connections, so PostgreSQL parses
/// and plans them once per connection instead of once per message (a fifth of its CPU when
/// delivering, measured with perf). Only fixed write statements are prepared, not every query (Max
/// Auto Prepare): a prepared search query gets a generic plan that cannot see how rare its words are.
/// </summary>
internal sealed partial class MailboxTransaction : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly long _accountId;
    private readonly Dictionary<FolderRole, long> _folderByRole = [];
    private readonly HashSet<long> _folders = [];
    private readonly HashSet<byte[]> _lockedBlobs = new(ByteArrayComparer.Instance);
    private readonly Dictionary<byte[], long> _blobDeltas = new(ByteArrayComparer.Instance);
    private readonly Dictionary<long, FolderDelta> _folderDeltas = [];
    private long _usedBytes;
    private long? _quotaBytes;
    private long _domainUsedBytes;
    private long? _domainQuotaBytes;
    private long _usedDelta;
    private long _countDelta;

    private MailboxTransaction(NpgsqlConnection connection, long accountId)
    {
        _connection = connection;
        _accountId = accountId;
    }

    public long HighestModSeq { get; private set; }

    private long StartModSeq { get; set; }

    /// <summary>Whether anything was written: only then is there something to commit and announce.</summary>
    public bool Changed => HighestModSeq != StartModSeq;

    /// <summary>Whether the COMMIT went through; until then disposing rolls back.</summary>
    public bool Committed { get; private set; }

    private bool _begun;

    /// <summary>The commit's blob reference update (internal for MailboxPlanTests, like the other planned statements).</summary>
    internal const string AddBlobReferencesSql = """
        UPDATE blobs b SET refcount = b.refcount + d.delta, touched_at = now()
        FROM unnest($1::bytea[], $2::bigint[]) AS d(hash, delta)
        WHERE b.hash = d.hash
        """;

    /// <summary>Opens the transaction; null when the account does not exist.</summary>
    /// <param name="dataSource">The store.</param>
    /// <param name="accountId">The account whose single writer calls this.</param>
    /// <param name="blobsToLock">Blobs the writes will reference: locked against the collector.</param>
    /// <param name="blobsToWrite">Of those, the ones not stored yet: written (and so locked) here, with the references the writes will add.</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    public static async Task<MailboxTransaction?> BeginAsync(
        NpgsqlDataSource dataSource, long accountId, IReadOnlyCollection<byte[]> blobsToLock,
        IReadOnlyDictionary<byte[], UnstoredBlob> blobsToWrite, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var tx = new MailboxTransaction(connection, accountId);
        try
        {
            if (!await tx.LoadAsync(blobsToLock, blobsToWrite, cancellationToken))
            {
                await tx.DisposeAsync();
                return null;
            }
            return tx;
        }
        catch
        {
            await tx.DisposeAsync();
            throw;
        }
    }

    private async Task<bool> LoadAsync(IReadOnlyCollection<byte[]> blobsToLock, IReadOnlyDictionary<byte[], UnstoredBlob> blobsToWrite, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(_connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
        foreach (var setting in KeyLookupPlans())
            batch.BatchCommands.Add(setting);
        _begun = true;
        var account = new NpgsqlBatchCommand("""
            SELECT a.highest_modseq, a.used_bytes, a.quota_bytes, d.quota_bytes,
                   -- The domain's usage is only needed under a domain quota; summing it reads every account.
                   CASE WHEN d.quota_bytes IS NULL THEN 0
                        ELSE (SELECT coalesce(sum(o.used_bytes), 0)::bigint FROM accounts o WHERE o.domain_id = a.domain_id) END
            FROM accounts a JOIN domains d ON d.id = a.domain_id
            WHERE a.id = $1
            FOR UPDATE OF a
            """);
        account.Parameters.Add(new() { Value = _accountId });
        batch.BatchCommands.Add(account);
        var folders = new NpgsqlBatchCommand("SELECT id, role FROM folders WHERE account_id = $1");
        folders.Parameters.Add(new() { Value = _accountId });
        batch.BatchCommands.Add(folders);
        var blobStatements = AddBlobLocks(batch, blobsToLock, blobsToWrite);

        await batch.PrepareAsync(cancellationToken);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        // Past BEGIN's empty result, whether or not the reader already skipped it.
        while (reader.FieldCount == 0 && await reader.NextResultAsync(cancellationToken))
        {
        }
        if (!await reader.ReadAsync(cancellationToken))
            return false;
        HighestModSeq = StartModSeq = reader.GetInt64(0);
        _usedBytes = reader.GetInt64(1);
        _quotaBytes = reader.IsDBNull(2) ? null : reader.GetInt64(2);
        _domainQuotaBytes = reader.IsDBNull(3) ? null : reader.GetInt64(3);
        _domainUsedBytes = reader.GetInt64(4);

        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetInt64(0);
            _folders.Add(id);
            var role = FolderRoles.FromColumn(reader.IsDBNull(1) ? null : reader.GetString(1));
            if (role != FolderRole.None)
                _folderByRole[role] = id;
        }

        for (var i = 0; i < blobStatements; i++)
        {
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                _lockedBlobs.Add(reader.GetFieldValue<byte[]>(0));
        }
        return true;
    }

    /// <summary>
    /// Locks the blobs the batch will reference, writing those not stored yet (with the references
    /// the batch is expected to add, see <see cref="CountInsertedReferences"/>), until the commit: the
    /// collector cannot remove a blob this batch is about to reference. Rows are locked strictly in
    /// hash order, the order every writer of blob rows uses, so runs of stored and unstored hashes
    /// become alternating statements, each returning the hashes it locked. Returns how many statements.
    /// </summary>
    private int AddBlobLocks(NpgsqlBatch batch, IReadOnlyCollection<byte[]> blobsToLock, IReadOnlyDictionary<byte[], UnstoredBlob> blobsToWrite)
    {
        var statements = 0;
        var ordered = blobsToLock.Concat(blobsToWrite.Keys).Distinct(ByteArrayComparer.Instance).Order(ByteArrayComparer.Instance).ToList();
        for (var start = 0; start < ordered.Count; statements++)
        {
            var write = blobsToWrite.ContainsKey(ordered[start]);
            var run = ordered.Skip(start).TakeWhile(h => blobsToWrite.ContainsKey(h) == write).ToArray();
            start += run.Length;
            if (!write)
            {
                var locks = new NpgsqlBatchCommand("SELECT hash FROM blobs WHERE hash = ANY($1) ORDER BY hash FOR UPDATE");
                locks.Parameters.Add(new() { Value = run, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
                batch.BatchCommands.Add(locks);
                continue;
            }
            batch.BatchCommands.Add(InsertBlobs(run, blobsToWrite, returning: true));
            CountInsertedReferences(run, blobsToWrite);
        }
        return statements;
    }

    /// <summary>
    /// The transaction's prepared statements run on their generic plans, and those plans look rows
    /// up by key. PostgreSQL otherwise keeps planning a prepared statement for every execution when
    /// a generic plan looks dearer than the custom ones, as it did for the message insert: planning
    /// was a fifth of its CPU while delivering into 1,000 accounts (perf). A generic plan lives as
    /// long as the connection (or until ANALYZE): one made while a table was small would scan it
    /// whole or hash it, and keep doing so as it grows. That happened in a new installation: the
    /// blob reference update read every blob and the thread lookup every message of the account for
    /// each delivery, so one SMTP session slowed from 2 to 7 ms per message within 10,000 messages. Every statement here finds its rows by key, so sequential scans and hash or merge
    /// joins are turned off for this transaction: the plan made for ten rows stays right for ten
    /// million. Searches (never prepared, never in this transaction) are not affected.
    /// SET, unlike set_config(), returns no rows: readers skip the prelude by that.
    /// </summary>
    internal static readonly string[] KeyLookupSettings =
    [
        "SET LOCAL plan_cache_mode = force_generic_plan",
        "SET LOCAL enable_seqscan = off",
        "SET LOCAL enable_hashjoin = off",
        "SET LOCAL enable_mergejoin = off",
    ];

    private static IEnumerable<NpgsqlBatchCommand> KeyLookupPlans() => KeyLookupSettings.Select(sql => new NpgsqlBatchCommand(sql));

    private long NextModSeq() => ++HighestModSeq;

    private long? ResolveFolder(long? folderId, FolderRole role)
    {
        if (folderId is { } id)
            return _folders.Contains(id) ? id : null;
        return _folderByRole.TryGetValue(role, out var byRole) ? byRole : null;
    }

    /// <summary>RFC 9208-style storage quota: account and domain limits, checked before any write.</summary>
    private bool FitsQuota(long bytes) =>
        bytes <= 0
        || ((_quotaBytes is null || _usedBytes + _usedDelta + bytes <= _quotaBytes)
            && (_domainQuotaBytes is null || _domainUsedBytes + _usedDelta + bytes <= _domainQuotaBytes));

    private void AddBlobReferences(IEnumerable<byte[]> hashes, long sign)
    {
        foreach (var hash in hashes)
            _blobDeltas[hash] = _blobDeltas.GetValueOrDefault(hash) + sign;
    }

    /// <summary>
    /// The blob insert adds the references the writes are expected to make (a new blob then needs no
    /// second update at the commit); they are taken off the deltas here, so the commit only corrects
    /// for a write that did not happen.
    /// </summary>
    private void CountInsertedReferences(IEnumerable<byte[]> inserted, IReadOnlyDictionary<byte[], UnstoredBlob> blobsToWrite)
    {
        foreach (var hash in inserted)
            _blobDeltas[hash] = _blobDeltas.GetValueOrDefault(hash) - blobsToWrite[hash].References;
    }

    private void CountMessage(long folderId, long sizeDelta, long countDelta, long unreadDelta, long modSeq)
    {
        var delta = _folderDeltas.GetValueOrDefault(folderId);
        _folderDeltas[folderId] = new FolderDelta(
            delta.Total + countDelta, delta.Unread + unreadDelta, delta.Size + sizeDelta, Math.Max(delta.ModSeq, modSeq));
    }

    private void CountAccount(long sizeDelta, long countDelta)
    {
        _usedDelta += sizeDelta;
        _countDelta += countDelta;
    }

    private void TouchFolder(long folderId, long modSeq) => CountMessage(folderId, 0, 0, 0, modSeq);

    /// <summary>Writes the accumulated counters and commits, in one round trip.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(_connection);
        AppendCommit(batch);
        await batch.PrepareAsync(cancellationToken);
        await batch.ExecuteNonQueryAsync(cancellationToken);
        Committed = true;
    }

    /// <summary>
    /// Adds the counter updates and the COMMIT to a batch; whoever runs the batch sets
    /// <see cref="Committed"/> once every result of it has been read without an error.
    /// </summary>
    private void AppendCommit(NpgsqlBatch batch)
    {
        if (Changed)
        {
            var blobDeltas = _blobDeltas.Where(d => d.Value != 0).OrderBy(d => d.Key, ByteArrayComparer.Instance).ToList();
            if (blobDeltas.Count > 0)
            {
                var blobs = new NpgsqlBatchCommand(AddBlobReferencesSql);
                blobs.Parameters.Add(new() { Value = blobDeltas.Select(d => d.Key).ToArray() });
                blobs.Parameters.Add(new() { Value = blobDeltas.Select(d => d.Value).ToArray() });
                batch.BatchCommands.Add(blobs);
            }
            if (_folderDeltas.Count > 0)
            {
                var folders = new NpgsqlBatchCommand("""
                    UPDATE folders f SET total = f.total + d.total, unread = f.unread + d.unread,
                                         size_bytes = f.size_bytes + d.size, modseq = greatest(f.modseq, d.modseq)
                    FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) AS d(id, total, unread, size, modseq)
                    WHERE f.id = d.id AND f.account_id = $6
                    """);
                folders.Parameters.Add(new() { Value = _folderDeltas.Keys.ToArray() });
                folders.Parameters.Add(new() { Value = _folderDeltas.Values.Select(d => d.Total).ToArray() });
                folders.Parameters.Add(new() { Value = _folderDeltas.Values.Select(d => d.Unread).ToArray() });
                folders.Parameters.Add(new() { Value = _folderDeltas.Values.Select(d => d.Size).ToArray() });
                folders.Parameters.Add(new() { Value = _folderDeltas.Values.Select(d => d.ModSeq).ToArray() });
                folders.Parameters.Add(new() { Value = _accountId });
                batch.BatchCommands.Add(folders);
            }
            var account = new NpgsqlBatchCommand("""
                UPDATE accounts SET highest_modseq = $2, used_bytes = used_bytes + $3, message_count = message_count + $4
                WHERE id = $1
                """);
            account.Parameters.Add(new() { Value = _accountId });
            account.Parameters.Add(new() { Value = HighestModSeq });
            account.Parameters.Add(new() { Value = _usedDelta });
            account.Parameters.Add(new() { Value = _countDelta });
            batch.BatchCommands.Add(account);
        }
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
    }

    public async ValueTask DisposeAsync()
    {
        if (_begun && !Committed && _connection.State == System.Data.ConnectionState.Open)
        {
            // Whatever failed, the pooled connection must not carry an open (or aborted) transaction.
            try
            {
                await using var rollback = new NpgsqlCommand("ROLLBACK", _connection);
                await rollback.ExecuteNonQueryAsync(CancellationToken.None);
            }
            catch (NpgsqlException)
            {
                // A broken connection: disposing it below discards it and its transaction.
            }
        }
        await _connection.DisposeAsync();
    }

    private NpgsqlCommand Command(string sql) => new(sql, _connection);

    private readonly record struct FolderDelta(long Total, long Unread, long Size, long ModSeq);
}
