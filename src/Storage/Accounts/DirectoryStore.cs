using Npgsql;

namespace RestMail.Storage.Accounts;

/// <summary>
/// Domains, accounts and aliases in PostgreSQL. Addresses are normalised before they are stored or
/// looked up; expected failures (taken, not found, in use) come back as <see cref="DirectoryResult{T}"/>.
/// </summary>
public sealed partial class DirectoryStore(NpgsqlDataSource dataSource)
{
    private const string ForeignKeyViolation = "23503";

    private readonly NpgsqlDataSource _dataSource = dataSource;

    /// <summary>
    /// Serialises the creation of one address across accounts and aliases (the two tables cannot share
    /// a unique index), for the rest of the transaction.
    /// </summary>
    private static async Task LockAddressAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string address, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))", connection, transaction);
        command.Parameters.AddWithValue("address:" + address);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<bool> ExistsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, object value, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue(value);
        return await command.ExecuteScalarAsync(ct) is not null;
    }
}
