using Npgsql;

namespace RestMail.Storage.Accounts;

public sealed partial class DirectoryStore
{
    private const string AliasColumns = "l.id, l.address, l.account_id, a.address, l.created_at";

    /// <summary>Creates an alias in a hosted domain for an existing account; the address must not be an account's.</summary>
    public async Task<DirectoryResult<AliasRecord>> CreateAliasAsync(string address, long accountId, CancellationToken ct)
    {
        if (!MailAddresses.TryNormalizeAddress(address, out var normalized, out var domain))
            return DirectoryResult.Invalid<AliasRecord>($"'{address}' is not a valid address.");
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        long domainId;
        await using (var find = new NpgsqlCommand("SELECT id FROM domains WHERE name = $1 FOR SHARE", connection, transaction))
        {
            find.Parameters.AddWithValue(domain);
            if (await find.ExecuteScalarAsync(ct) is not long found)
                return DirectoryResult.Invalid<AliasRecord>($"The domain '{domain}' is not hosted here.");
            domainId = found;
        }
        if (!await ExistsAsync(connection, transaction, "SELECT 1 FROM accounts WHERE id = $1 FOR SHARE", accountId, ct))
            return DirectoryResult.Invalid<AliasRecord>($"No account {accountId}.");
        await LockAddressAsync(connection, transaction, normalized, ct);
        if (await ExistsAsync(connection, transaction, "SELECT 1 FROM accounts WHERE address = $1", normalized, ct))
            return DirectoryResult.Conflict<AliasRecord>($"'{normalized}' is already an account.");
        long id;
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO aliases (domain_id, address, account_id) VALUES ($1, $2, $3) ON CONFLICT (address) DO NOTHING RETURNING id", connection, transaction))
        {
            insert.Parameters.AddWithValue(domainId);
            insert.Parameters.AddWithValue(normalized);
            insert.Parameters.AddWithValue(accountId);
            if (await insert.ExecuteScalarAsync(ct) is not long inserted)
                return DirectoryResult.Conflict<AliasRecord>($"The alias '{normalized}' already exists.");
            id = inserted;
        }
        await transaction.CommitAsync(ct);
        return DirectoryResult.Ok<AliasRecord>((await GetAliasAsync(id, ct))!);
    }

    public async Task<IReadOnlyList<AliasRecord>> ListAliasesAsync(long? accountId, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(
            $"SELECT {AliasColumns} FROM aliases l JOIN accounts a ON a.id = l.account_id WHERE $1::bigint IS NULL OR l.account_id = $1 ORDER BY l.address");
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Bigint, (object?)accountId ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var aliases = new List<AliasRecord>();
        while (await reader.ReadAsync(ct))
            aliases.Add(ReadAlias(reader));
        return aliases;
    }

    public async Task<AliasRecord?> GetAliasAsync(long id, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand($"SELECT {AliasColumns} FROM aliases l JOIN accounts a ON a.id = l.account_id WHERE l.id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadAlias(reader) : null;
    }

    /// <summary>Points an alias at another account.</summary>
    public async Task<DirectoryResult<AliasRecord>> RetargetAliasAsync(long id, long accountId, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand("UPDATE aliases SET account_id = $2 WHERE id = $1");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(accountId);
        try
        {
            if (await command.ExecuteNonQueryAsync(ct) == 0)
                return DirectoryResult.NotFound<AliasRecord>($"No alias {id}.");
        }
        catch (PostgresException e) when (e.SqlState == ForeignKeyViolation)
        {
            return DirectoryResult.Invalid<AliasRecord>($"No account {accountId}.");
        }
        var updated = await GetAliasAsync(id, ct);
        return updated is null ? DirectoryResult.NotFound<AliasRecord>($"No alias {id}.") : DirectoryResult.Ok<AliasRecord>(updated);
    }

    public async Task<bool> DeleteAliasAsync(long id, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand("DELETE FROM aliases WHERE id = $1");
        command.Parameters.AddWithValue(id);
        return await command.ExecuteNonQueryAsync(ct) > 0;
    }

    private static AliasRecord ReadAlias(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetInt64(2),
        reader.GetString(3),
        reader.GetFieldValue<DateTimeOffset>(4));
}
