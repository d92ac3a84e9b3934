using Npgsql;
using RestMail.Storage.Mail;

namespace RestMail.Tests.Infrastructure;

/// <summary>Creates domains and accounts straight in SQL, for tests below the REST API.</summary>
public static class TestAccounts
{
    public static async Task<long> CreateAsync(NpgsqlDataSource dataSource, string address, long? quotaBytes = null, long? domainQuotaBytes = null)
    {
        var domain = address[(address.IndexOf('@', StringComparison.Ordinal) + 1)..];
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var insertDomain = new NpgsqlCommand("""
            INSERT INTO domains (name, quota_bytes) VALUES ($1, $2)
            ON CONFLICT (name) DO UPDATE SET quota_bytes = coalesce(EXCLUDED.quota_bytes, domains.quota_bytes)
            RETURNING id
            """, connection, transaction);
        insertDomain.Parameters.Add(new() { Value = domain });
        insertDomain.Parameters.Add(new() { Value = domainQuotaBytes is { } d ? d : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        var domainId = (long)(await insertDomain.ExecuteScalarAsync())!;

        await using var insertAccount = new NpgsqlCommand(
            "INSERT INTO accounts (domain_id, address, password_hash, quota_bytes) VALUES ($1, $2, 'x', $3) RETURNING id", connection, transaction);
        insertAccount.Parameters.Add(new() { Value = domainId });
        insertAccount.Parameters.Add(new() { Value = address });
        insertAccount.Parameters.Add(new() { Value = quotaBytes is { } q ? q : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        var accountId = (long)(await insertAccount.ExecuteScalarAsync())!;

        foreach (var (name, role) in FolderRoles.Defaults)
        {
            await using var folder = new NpgsqlCommand(
                "INSERT INTO folders (account_id, name, role, uid_validity) VALUES ($1, $2, $3, 1)", connection, transaction);
            folder.Parameters.Add(new() { Value = accountId });
            folder.Parameters.Add(new() { Value = name });
            folder.Parameters.Add(new() { Value = FolderRoles.ToColumn(role)! });
            await folder.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
        return accountId;
    }
}
