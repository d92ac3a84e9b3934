using Npgsql;

namespace RestMail.Storage.Accounts;

/// <summary>Server-wide settings shared by every node (table server_settings).</summary>
public sealed class ServerSettings(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Returns the stored value, storing <paramref name="create"/>'s result first if there is none.
    /// Several nodes starting together agree: the first insert wins and everyone re-reads it.
    /// </summary>
    public async Task<string> GetOrCreateAsync(string key, Func<string> create, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(create);
        await using (var insert = dataSource.CreateCommand("INSERT INTO server_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING"))
        {
            insert.Parameters.AddWithValue(key);
            insert.Parameters.AddWithValue(create());
            await insert.ExecuteNonQueryAsync(ct);
        }
        await using var select = dataSource.CreateCommand("SELECT value FROM server_settings WHERE key = $1");
        select.Parameters.AddWithValue(key);
        return (string)(await select.ExecuteScalarAsync(ct))!;
    }
}
