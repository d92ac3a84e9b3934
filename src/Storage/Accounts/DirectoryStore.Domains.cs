using Npgsql;
using RestMail.Storage.Dkim;

namespace RestMail.Storage.Accounts;

public sealed partial class DirectoryStore
{
    private const string DomainColumns = """
        d.id, d.name, d.quota_bytes,
        COALESCE((SELECT sum(a.used_bytes) FROM accounts a WHERE a.domain_id = d.id), 0)::bigint,
        (SELECT count(*) FROM accounts a WHERE a.domain_id = d.id),
        d.created_at
        """;

    public async Task<DirectoryResult<DomainRecord>> CreateDomainAsync(string name, long? quotaBytes, CancellationToken ct)
    {
        if (!MailAddresses.TryNormalizeDomain(name, out var domain))
            return DirectoryResult.Invalid<DomainRecord>($"'{name}' is not a valid domain name.");
        if (quotaBytes < 0)
            return DirectoryResult.Invalid<DomainRecord>("quota_bytes must not be negative.");
        // The DKIM key is made before the transaction (RSA generation takes a while) and stored with the domain row.
        var dkimKey = DkimKeyStore.Generate(domain, DateTimeOffset.UtcNow);
        await using (var connection = await _dataSource.OpenConnectionAsync(ct))
        await using (var transaction = await connection.BeginTransactionAsync(ct))
        {
            await using var command = new NpgsqlCommand("INSERT INTO domains (name, quota_bytes) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING id", connection, transaction);
            command.Parameters.AddWithValue(domain);
            command.Parameters.AddWithValue((object?)quotaBytes ?? DBNull.Value);
            if (await command.ExecuteScalarAsync(ct) is not long id)
                return DirectoryResult.Conflict<DomainRecord>($"The domain '{domain}' already exists.");
            await DkimKeyStore.InsertAsync(connection, transaction, id, dkimKey, ct);
            await transaction.CommitAsync(ct);
        }
        var created = await GetDomainAsync(domain, ct);
        return DirectoryResult.Ok<DomainRecord>(created!);
    }

    public async Task<IReadOnlyList<DomainRecord>> ListDomainsAsync(CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand($"SELECT {DomainColumns} FROM domains d ORDER BY d.name");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var domains = new List<DomainRecord>();
        while (await reader.ReadAsync(ct))
            domains.Add(ReadDomain(reader));
        return domains;
    }

    public async Task<DomainRecord?> GetDomainAsync(string name, CancellationToken ct)
    {
        if (!MailAddresses.TryNormalizeDomain(name, out var domain))
            return null;
        await using var command = _dataSource.CreateCommand($"SELECT {DomainColumns} FROM domains d WHERE d.name = $1");
        command.Parameters.AddWithValue(domain);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadDomain(reader) : null;
    }

    public async Task<DirectoryResult<DomainRecord>> SetDomainQuotaAsync(string name, long? quotaBytes, CancellationToken ct)
    {
        if (quotaBytes < 0)
            return DirectoryResult.Invalid<DomainRecord>("quota_bytes must not be negative.");
        if (!MailAddresses.TryNormalizeDomain(name, out var domain))
            return DirectoryResult.NotFound<DomainRecord>($"No domain '{name}'.");
        await using var command = _dataSource.CreateCommand("UPDATE domains SET quota_bytes = $2 WHERE name = $1");
        command.Parameters.AddWithValue(domain);
        command.Parameters.AddWithValue((object?)quotaBytes ?? DBNull.Value);
        if (await command.ExecuteNonQueryAsync(ct) == 0)
            return DirectoryResult.NotFound<DomainRecord>($"No domain '{domain}'.");
        var updated = await GetDomainAsync(domain, ct);
        return updated is null ? DirectoryResult.NotFound<DomainRecord>($"No domain '{domain}'.") : DirectoryResult.Ok<DomainRecord>(updated);
    }

    /// <summary>Deletes an empty domain; refused (conflict) while accounts or aliases remain in it.</summary>
    public async Task<DirectoryResult<string>> DeleteDomainAsync(string name, CancellationToken ct)
    {
        if (!MailAddresses.TryNormalizeDomain(name, out var domain))
            return DirectoryResult.NotFound<string>($"No domain '{name}'.");
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        long id;
        await using (var find = new NpgsqlCommand("SELECT id FROM domains WHERE name = $1 FOR UPDATE", connection, transaction))
        {
            find.Parameters.AddWithValue(domain);
            if (await find.ExecuteScalarAsync(ct) is not long found)
                return DirectoryResult.NotFound<string>($"No domain '{domain}'.");
            id = found;
        }
        if (await ExistsAsync(connection, transaction, "SELECT 1 FROM accounts WHERE domain_id = $1 LIMIT 1", id, ct)
            || await ExistsAsync(connection, transaction, "SELECT 1 FROM aliases WHERE domain_id = $1 LIMIT 1", id, ct))
            return DirectoryResult.Conflict<string>($"The domain '{domain}' still has accounts or aliases; delete them first.");
        await using (var delete = new NpgsqlCommand("DELETE FROM domains WHERE id = $1", connection, transaction))
        {
            delete.Parameters.AddWithValue(id);
            try
            {
                await delete.ExecuteNonQueryAsync(ct);
            }
            catch (PostgresException e) when (e.SqlState == ForeignKeyViolation)
            {
                return DirectoryResult.Conflict<string>($"The domain '{domain}' is still in use.");
            }
        }
        await transaction.CommitAsync(ct);
        return DirectoryResult.Ok<string>(domain);
    }

    private static DomainRecord ReadDomain(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.IsDBNull(2) ? null : reader.GetInt64(2),
        reader.GetInt64(3),
        reader.GetInt64(4),
        reader.GetFieldValue<DateTimeOffset>(5));
}
