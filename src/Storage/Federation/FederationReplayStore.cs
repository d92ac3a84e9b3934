using Npgsql;

namespace RestMail.Storage.Federation;

/// <summary>
/// Token ids already used (RFC 7519 §4.1.7), in PostgreSQL so every node refuses a token another node
/// accepted. A jti is kept until its token expires; after that the expiry check refuses the token anyway.
/// </summary>
public sealed class FederationReplayStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    private int _calls;

    /// <summary>True the first time (issuer, jti) is seen; false for a replay.</summary>
    public async Task<bool> TryRememberAsync(string issuer, string jti, DateTimeOffset expiresAt, CancellationToken ct)
    {
        // Expired ids are dropped now and then by whoever passes; no background job needed.
        if (Interlocked.Increment(ref _calls) % 256 == 0)
        {
            await using var purge = dataSource.CreateCommand("DELETE FROM federation_replay WHERE expires_at < $1");
            purge.Parameters.AddWithValue(time.GetUtcNow());
            await purge.ExecuteNonQueryAsync(ct);
        }
        await using var command = dataSource.CreateCommand(
            "INSERT INTO federation_replay (issuer, jti, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING");
        command.Parameters.AddWithValue(issuer);
        command.Parameters.AddWithValue(jti);
        command.Parameters.AddWithValue(expiresAt);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }
}
