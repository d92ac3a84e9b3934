using Npgsql;

namespace RestMail.Storage.Accounts;

public sealed partial class DirectoryStore
{
    private const string AccountColumns = "a.id, a.address, d.name, a.display_name, a.is_admin, a.quota_bytes, a.used_bytes, a.message_count, a.created_at";

    /// <summary>The six special-use folders every account starts with (RFC 6154 roles).</summary>
    private const string InsertDefaultFolders = """
        INSERT INTO folders (id, account_id, name, role, uid_validity, uid_next)
        SELECT f.id, $1, f.name, f.role,
               -- RFC 3501 §2.3.1.1: UIDVALIDITY must change when a name is reused; the id makes it unique.
               ((extract(epoch FROM clock_timestamp())::bigint + f.id) % 2147483646) + 1,
               1
        FROM (SELECT nextval(pg_get_serial_sequence('folders', 'id')) AS id, v.name, v.role
              FROM (VALUES (1, 'INBOX', 'inbox'), (2, 'Sent', 'sent'), (3, 'Drafts', 'drafts'),
                           (4, 'Trash', 'trash'), (5, 'Junk', 'junk'), (6, 'Archive', 'archive')) AS v(ord, name, role)
              ORDER BY v.ord) AS f
        """;

    /// <summary>Creates an account and its default folders in one transaction.</summary>
    public async Task<DirectoryResult<AccountRecord>> CreateAccountAsync(NewAccount account, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (!MailAddresses.TryNormalizeAddress(account.Address, out var address, out var domain))
            return DirectoryResult.Invalid<AccountRecord>($"'{account.Address}' is not a valid address.");
        if (PasswordProblem(account.Password) is { } problem)
            return DirectoryResult.Invalid<AccountRecord>(problem);
        if (account.QuotaBytes < 0)
            return DirectoryResult.Invalid<AccountRecord>("quota_bytes must not be negative.");
        var hash = await Task.Run(() => PasswordHasher.Hash(account.Password), ct);

        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        long domainId;
        await using (var find = new NpgsqlCommand("SELECT id FROM domains WHERE name = $1 FOR SHARE", connection, transaction))
        {
            find.Parameters.AddWithValue(domain);
            if (await find.ExecuteScalarAsync(ct) is not long found)
                return DirectoryResult.Invalid<AccountRecord>($"The domain '{domain}' is not hosted here.");
            domainId = found;
        }
        await LockAddressAsync(connection, transaction, address, ct);
        if (await ExistsAsync(connection, transaction, "SELECT 1 FROM aliases WHERE address = $1", address, ct))
            return DirectoryResult.Conflict<AccountRecord>($"'{address}' is already an alias.");

        long id;
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO accounts (domain_id, address, display_name, password_hash, is_admin, quota_bytes)
            VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (address) DO NOTHING RETURNING id
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue(domainId);
            insert.Parameters.AddWithValue(address);
            insert.Parameters.AddWithValue((object?)NullIfBlank(account.DisplayName) ?? DBNull.Value);
            insert.Parameters.AddWithValue(hash);
            insert.Parameters.AddWithValue(account.IsAdmin);
            insert.Parameters.AddWithValue((object?)account.QuotaBytes ?? DBNull.Value);
            if (await insert.ExecuteScalarAsync(ct) is not long inserted)
                return DirectoryResult.Conflict<AccountRecord>($"The account '{address}' already exists.");
            id = inserted;
        }
        await using (var folders = new NpgsqlCommand(InsertDefaultFolders, connection, transaction))
        {
            folders.Parameters.AddWithValue(id);
            await folders.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return DirectoryResult.Ok<AccountRecord>((await GetAccountAsync(id, ct))!);
    }

    public async Task<IReadOnlyList<AccountRecord>> ListAccountsAsync(string? domain, CancellationToken ct)
    {
        string? normalized = null;
        if (domain is not null && !MailAddresses.TryNormalizeDomain(domain, out normalized))
            return [];
        await using var command = _dataSource.CreateCommand(
            $"SELECT {AccountColumns} FROM accounts a JOIN domains d ON d.id = a.domain_id WHERE $1::text IS NULL OR d.name = $1 ORDER BY a.address");
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Text, (object?)normalized ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var accounts = new List<AccountRecord>();
        while (await reader.ReadAsync(ct))
            accounts.Add(ReadAccount(reader));
        return accounts;
    }

    public async Task<AccountRecord?> GetAccountAsync(long id, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand($"SELECT {AccountColumns} FROM accounts a JOIN domains d ON d.id = a.domain_id WHERE a.id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadAccount(reader) : null;
    }

    public async Task<AccountRecord?> GetAccountAsync(string address, CancellationToken ct)
    {
        if (!MailAddresses.TryNormalizeAddress(address, out var normalized, out _))
            return null;
        await using var command = _dataSource.CreateCommand($"SELECT {AccountColumns} FROM accounts a JOIN domains d ON d.id = a.domain_id WHERE a.address = $1");
        command.Parameters.AddWithValue(normalized);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadAccount(reader) : null;
    }

    public async Task<DirectoryResult<AccountRecord>> UpdateAccountAsync(long id, AccountUpdate update, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (update.Password is not null && PasswordProblem(update.Password) is { } problem)
            return DirectoryResult.Invalid<AccountRecord>(problem);
        if (update.SetQuota && update.QuotaBytes < 0)
            return DirectoryResult.Invalid<AccountRecord>("quota_bytes must not be negative.");
        var hash = update.Password is null ? null : await Task.Run(() => PasswordHasher.Hash(update.Password), ct);

        await using var command = _dataSource.CreateCommand(
            """
            UPDATE accounts SET
                password_hash = COALESCE($2, password_hash),
                quota_bytes = CASE WHEN $3 THEN $4 ELSE quota_bytes END,
                display_name = CASE WHEN $5 THEN $6 ELSE display_name END,
                is_admin = COALESCE($7, is_admin)
            WHERE id = $1
            """);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Text, (object?)hash ?? DBNull.Value);
        command.Parameters.AddWithValue(update.SetQuota);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Bigint, (object?)update.QuotaBytes ?? DBNull.Value);
        command.Parameters.AddWithValue(update.SetDisplayName);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Text, (object?)NullIfBlank(update.DisplayName) ?? DBNull.Value);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Boolean, (object?)update.IsAdmin ?? DBNull.Value);
        if (await command.ExecuteNonQueryAsync(ct) == 0)
            return DirectoryResult.NotFound<AccountRecord>($"No account {id}.");
        var updated = await GetAccountAsync(id, ct);
        return updated is null ? DirectoryResult.NotFound<AccountRecord>($"No account {id}.") : DirectoryResult.Ok<AccountRecord>(updated);
    }

    /// <summary>
    /// Deletes an account with its folders, messages, aliases and tokens (the schema cascades), and
    /// releases its messages' blob references in the same transaction so the collector can free them.
    /// </summary>
    public async Task<bool> DeleteAccountAsync(long id, CancellationToken ct)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // The account row first, as the mailbox grain's transactions do, then the blobs in hash order.
        if (!await ExistsAsync(connection, transaction, "SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE", id, ct))
            return false;
        await using (var release = new NpgsqlCommand(
            """
            SELECT b.hash FROM blobs b
            WHERE b.hash IN (SELECT unnest(m.segments) FROM messages m WHERE m.account_id = $1)
            ORDER BY b.hash FOR UPDATE
            """, connection, transaction))
        {
            release.Parameters.AddWithValue(id);
            await release.ExecuteNonQueryAsync(ct);
        }
        await using (var release = new NpgsqlCommand(
            """
            UPDATE blobs b SET refcount = b.refcount - c.n, touched_at = now()
            FROM (SELECT s.hash, count(*) AS n
                  FROM messages m CROSS JOIN LATERAL unnest(m.segments) AS s(hash)
                  WHERE m.account_id = $1 GROUP BY s.hash) AS c
            WHERE b.hash = c.hash
            """, connection, transaction))
        {
            release.Parameters.AddWithValue(id);
            await release.ExecuteNonQueryAsync(ct);
        }
        await using (var delete = new NpgsqlCommand("DELETE FROM accounts WHERE id = $1", connection, transaction))
        {
            delete.Parameters.AddWithValue(id);
            await delete.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>For sign-in: the account's id, hash and role by address, or null.</summary>
    public async Task<AccountCredentials?> FindCredentialsAsync(string address, CancellationToken ct)
    {
        if (!MailAddresses.TryNormalizeAddress(address, out var normalized, out _))
            return null;
        await using var command = _dataSource.CreateCommand("SELECT id, address, password_hash, is_admin FROM accounts WHERE address = $1");
        command.Parameters.AddWithValue(normalized);
        return await ReadCredentialsAsync(command, ct);
    }

    /// <summary>For token refresh: the account's current address and role by id, or null.</summary>
    public async Task<AccountCredentials?> FindCredentialsAsync(long id, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand("SELECT id, address, password_hash, is_admin FROM accounts WHERE id = $1");
        command.Parameters.AddWithValue(id);
        return await ReadCredentialsAsync(command, ct);
    }

    private static async Task<AccountCredentials?> ReadCredentialsAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new AccountCredentials(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3)) : null;
    }

    /// <summary>Null when the password is acceptable, else why not.</summary>
    public static string? PasswordProblem(string? password) => password switch
    {
        null or "" => "password is required.",
        { Length: < 8 } => "password must be at least 8 characters.",
        { Length: > 1024 } => "password must be at most 1024 characters.",
        _ => null,
    };

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static AccountRecord ReadAccount(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.IsDBNull(3) ? null : reader.GetString(3),
        reader.GetBoolean(4),
        reader.IsDBNull(5) ? null : reader.GetInt64(5),
        reader.GetInt64(6),
        reader.GetInt64(7),
        reader.GetFieldValue<DateTimeOffset>(8));
}
