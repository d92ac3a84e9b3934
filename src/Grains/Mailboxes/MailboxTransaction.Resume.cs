using Npgsql;
using NpgsqlTypes;
using RestMail.Grains.Mailboxes;
using RestMail.Storage.Blobs;

namespace RestMail.Grains.Mailboxes;

internal sealed partial class MailboxTransaction
{
    /// <summary>SQLSTATE of <c>mailbox_expect</c> (0011_mailbox_expect.sql): the account is not as the grain left it.</summary>
    public const string StateChangedSqlState = "RM001";

    private List<NpgsqlBatchCommand>? _prelude;

    /// <summary>
    /// What the single writer knows of its account after committing: enough to check and number the
    /// next deliveries without reading the account first. Null under a domain quota, whose usage
    /// other accounts change.
    /// </summary>
    public KnownState? Known() => _domainQuotaBytes is not null
        ? null
        : new KnownState(HighestModSeq, _usedBytes + _usedDelta, _quotaBytes, new Dictionary<FolderRole, long>(_folderByRole), new HashSet<long>(_folders));

    /// <summary>
    /// Starts a transaction from <paramref name="known"/> instead of reading the account: BEGIN, the
    /// check that the account row is still as known (which locks it) and the blob inserts travel in
    /// front of the first write batch, so a delivery is one round trip instead of two. If the check
    /// fails, that batch throws a <see cref="PostgresException"/> with <see cref="StateChangedSqlState"/>
    /// and nothing is written. Every blob the batch references must be among <paramref name="blobsToWrite"/>.
    /// </summary>
    public static async Task<MailboxTransaction> ResumeAsync(
        NpgsqlDataSource dataSource, long accountId, KnownState known, IReadOnlyDictionary<byte[], UnstoredBlob> blobsToWrite, CancellationToken cancellationToken)
    {
        var tx = new MailboxTransaction(await dataSource.OpenConnectionAsync(cancellationToken), accountId)
        {
            HighestModSeq = known.HighestModSeq,
            StartModSeq = known.HighestModSeq,
            _usedBytes = known.UsedBytes,
            _quotaBytes = known.QuotaBytes,
        };
        foreach (var (role, id) in known.FolderByRole)
            tx._folderByRole[role] = id;
        tx._folders.UnionWith(known.Folders);
        tx._lockedBlobs.UnionWith(blobsToWrite.Keys);

        var expect = new NpgsqlBatchCommand("CALL mailbox_expect($1, $2, $3, $4)");
        expect.Parameters.Add(new() { Value = accountId });
        expect.Parameters.Add(new() { Value = known.HighestModSeq });
        expect.Parameters.Add(new() { Value = known.UsedBytes });
        expect.Parameters.Add(new() { Value = known.QuotaBytes is { } quota ? quota : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        tx._prelude = [new NpgsqlBatchCommand("BEGIN"), .. KeyLookupPlans(), expect];
        var ordered = blobsToWrite.Keys.Order(ByteArrayComparer.Instance).ToArray();
        if (ordered.Length > 0)
        {
            tx._prelude.Add(InsertBlobs(ordered, blobsToWrite, returning: false));
            tx.CountInsertedReferences(ordered, blobsToWrite);
        }
        return tx;
    }

    /// <summary>Moves the resumed transaction's opening statements to the front of <paramref name="batch"/>.</summary>
    private void AddPrelude(NpgsqlBatch batch)
    {
        if (_prelude is null)
            return;
        for (var i = 0; i < _prelude.Count; i++)
            batch.BatchCommands.Insert(i, _prelude[i]);
        _prelude = null;
        _begun = true;
    }

    /// <summary>
    /// Inserts blobs in hash order with the references the writes will add; one stored meanwhile
    /// gets them added instead, which locks it just the same.
    /// </summary>
    private static NpgsqlBatchCommand InsertBlobs(byte[][] ordered, IReadOnlyDictionary<byte[], UnstoredBlob> blobsToWrite, bool returning)
    {
        var command = new NpgsqlBatchCommand($"""
            INSERT INTO blobs (hash, size, refcount, data)
            SELECT u.hash, length(u.data), u.refs, u.data FROM unnest($1::bytea[], $2::bigint[], $3::bytea[]) AS u(hash, refs, data) ORDER BY u.hash
            ON CONFLICT (hash) DO UPDATE SET refcount = blobs.refcount + excluded.refcount, touched_at = now()
            {(returning ? "RETURNING hash" : "")}
            """);
        command.Parameters.Add(new() { Value = ordered, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        command.Parameters.Add(new() { Value = ordered.Select(h => (long)blobsToWrite[h].References).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new() { Value = ordered.Select(h => blobsToWrite[h].Data).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        return command;
    }

    /// <summary>A blob the transaction writes: its bytes and how many references its writes will add.</summary>
    internal readonly record struct UnstoredBlob(byte[] Data, int References);

    /// <summary>The account as its grain left it after a commit (see <see cref="Known"/>).</summary>
    internal sealed record KnownState(long HighestModSeq, long UsedBytes, long? QuotaBytes, IReadOnlyDictionary<FolderRole, long> FolderByRole, IReadOnlySet<long> Folders)
    {
        /// <summary>Whether these deliveries would all be filed without a refusal: only those may skip the read.</summary>
        public bool AcceptsAll(IEnumerable<DeliveryRequest> requests)
        {
            var bytes = 0L;
            foreach (var request in requests)
            {
                if (request.FolderId is { } id ? !Folders.Contains(id) : !FolderByRole.ContainsKey(request.Role))
                    return false;
                bytes += request.Content.Size;
            }
            return QuotaBytes is null || UsedBytes + bytes <= QuotaBytes;
        }
    }
}
