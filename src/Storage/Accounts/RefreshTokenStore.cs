using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace RestMail.Storage.Accounts;

/// <summary>
/// Opaque refresh tokens. Only the SHA-256 of a token is stored; using a token deletes it and issues
/// a new one (rotation), so a stolen token works at most once.
/// </summary>
public sealed class RefreshTokenStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(30);

    /// <summary>Issues a token for an account; returns it in clear (the only time it exists in clear).</summary>
    public async Task<string> IssueAsync(long accountId, CancellationToken ct)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        await using var command = dataSource.CreateCommand("INSERT INTO refresh_tokens (token_hash, account_id, expires_at) VALUES ($1, $2, $3)");
        command.Parameters.AddWithValue(HashOf(token));
        command.Parameters.AddWithValue(accountId);
        command.Parameters.AddWithValue(time.GetUtcNow() + Lifetime);
        await command.ExecuteNonQueryAsync(ct);
        return token;
    }

    /// <summary>
    /// Consumes a token: returns its account id and deletes it, or null when it is unknown, used or
    /// expired. Expired tokens of the same account are swept on the way.
    /// </summary>
    public async Task<long?> ConsumeAsync(string token, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 200)
            return null;
        await using var command = dataSource.CreateCommand("DELETE FROM refresh_tokens WHERE token_hash = $1 RETURNING account_id, expires_at");
        command.Parameters.AddWithValue(HashOf(token));
        long accountId;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
                return null;
            accountId = reader.GetInt64(0);
            if (reader.GetFieldValue<DateTimeOffset>(1) <= time.GetUtcNow())
                return null;
        }
        await using var sweep = dataSource.CreateCommand("DELETE FROM refresh_tokens WHERE account_id = $1 AND expires_at <= $2");
        sweep.Parameters.AddWithValue(accountId);
        sweep.Parameters.AddWithValue(time.GetUtcNow());
        await sweep.ExecuteNonQueryAsync(ct);
        return accountId;
    }

    /// <summary>Signs an account out everywhere (password change, deletion).</summary>
    public async Task RevokeAllAsync(long accountId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM refresh_tokens WHERE account_id = $1");
        command.Parameters.AddWithValue(accountId);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static byte[] HashOf(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
