using System.Collections.Concurrent;
using System.Security.Cryptography;
using Npgsql;
using RestMail.Storage.Accounts;

namespace RestMail.Storage.Federation;

/// <summary>
/// The ES256 keys hosted domains sign federation tokens with (<c>federation_keys</c>). A domain's
/// first key is made on first use. Rotation (<see cref="RotateAsync"/>) adds a key that is published
/// at once but signs only from a later time, so receivers that cached the old key set have fetched the
/// new one by then (they also refetch on an unknown kid); old keys stay published until retired.
/// </summary>
public sealed class FederationKeyStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    // Parsing a PEM per token would be wasted work: keys never change once written.
    private readonly ConcurrentDictionary<string, ECDsa> _parsed = new(StringComparer.Ordinal);

    /// <summary>The key that signs for <paramref name="domainName"/> now, made if the domain has none; null when the domain is not hosted.</summary>
    public async Task<FederationKey?> GetSigningKeyAsync(string domainName, CancellationToken ct)
    {
        if (!MailAddresses.TryNormalizeDomain(domainName, out var domain))
            return null;
        for (var attempt = 0; attempt < 2; attempt++)
        {
            await using var command = dataSource.CreateCommand("""
                SELECT k.kid, k.private_key_pem FROM federation_keys k JOIN domains d ON d.id = k.domain_id
                WHERE d.name = $1 AND k.retired_at IS NULL AND k.signs_from <= $2
                ORDER BY k.signs_from DESC, k.created_at DESC LIMIT 1
                """);
            command.Parameters.AddWithValue(domain);
            command.Parameters.AddWithValue(time.GetUtcNow());
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                if (await reader.ReadAsync(ct))
                    return new FederationKey(reader.GetString(0), domain, Parse(reader.GetString(0), reader.GetString(1)));
            }
            // No key signs yet: the domain's first key signs at once (nobody can have cached a set without it).
            if (attempt == 0 && await InsertAsync(domain, time.GetUtcNow(), onlyIfNone: true, ct) is null && !await IsHostedAsync(domain, ct))
                return null;
        }
        return null;
    }

    /// <summary>Every published (not retired) public key of the domain, for its JWKS; empty when it is not hosted.</summary>
    public async Task<IReadOnlyList<FederationKey>> GetPublishedAsync(string domainName, CancellationToken ct)
    {
        if (!MailAddresses.TryNormalizeDomain(domainName, out var domain))
            return [];
        await using var command = dataSource.CreateCommand("""
            SELECT k.kid, k.private_key_pem FROM federation_keys k JOIN domains d ON d.id = k.domain_id
            WHERE d.name = $1 AND k.retired_at IS NULL ORDER BY k.created_at
            """);
        command.Parameters.AddWithValue(domain);
        var keys = new List<FederationKey>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            keys.Add(new FederationKey(reader.GetString(0), domain, Parse(reader.GetString(0), reader.GetString(1))));
        return keys;
    }

    /// <summary>The domain's published (not retired) keys, oldest first, marking the one that signs now; null when the domain is not hosted.</summary>
    public async Task<IReadOnlyList<FederationKeyInfo>?> ListAsync(string domainName, CancellationToken ct)
    {
        if (!MailAddresses.TryNormalizeDomain(domainName, out var domain) || !await IsHostedAsync(domain, ct))
            return null;
        await using var command = dataSource.CreateCommand("""
            SELECT k.kid, k.created_at, k.signs_from FROM federation_keys k JOIN domains d ON d.id = k.domain_id
            WHERE d.name = $1 AND k.retired_at IS NULL ORDER BY k.created_at
            """);
        command.Parameters.AddWithValue(domain);
        var rows = new List<(string Kid, DateTimeOffset CreatedAt, DateTimeOffset SignsFrom)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                rows.Add((reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }
        // The same choice GetSigningKeyAsync makes: the latest signs_from that has arrived, the newest key on a tie.
        var now = time.GetUtcNow();
        var signing = rows.Where(r => r.SignsFrom <= now).OrderByDescending(r => r.SignsFrom).ThenByDescending(r => r.CreatedAt).Select(r => r.Kid).FirstOrDefault();
        return [.. rows.Select(r => new FederationKeyInfo(r.Kid, r.CreatedAt, r.SignsFrom, r.Kid == signing))];
    }

    /// <summary>Stops publishing and using a key of the domain; true when the domain had it live.</summary>
    public async Task<bool> RetireAsync(string domainName, string kid, CancellationToken ct)
    {
        if (!MailAddresses.TryNormalizeDomain(domainName, out var domain))
            return false;
        await using var command = dataSource.CreateCommand("""
            UPDATE federation_keys k SET retired_at = $3 FROM domains d
            WHERE d.id = k.domain_id AND d.name = $1 AND k.kid = $2 AND k.retired_at IS NULL
            """);
        command.Parameters.AddWithValue(domain);
        command.Parameters.AddWithValue(kid);
        command.Parameters.AddWithValue(time.GetUtcNow());
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>Adds a key that is published now and signs from <paramref name="signsFrom"/>; returns its kid, null when the domain is not hosted.</summary>
    public Task<string?> RotateAsync(string domainName, DateTimeOffset signsFrom, CancellationToken ct) =>
        MailAddresses.TryNormalizeDomain(domainName, out var domain) ? InsertAsync(domain, signsFrom, onlyIfNone: false, ct) : Task.FromResult<string?>(null);

    /// <summary>Stops publishing and using a key; true when it existed and was live.</summary>
    public async Task<bool> RetireAsync(string kid, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("UPDATE federation_keys SET retired_at = $2 WHERE kid = $1 AND retired_at IS NULL");
        command.Parameters.AddWithValue(kid);
        command.Parameters.AddWithValue(time.GetUtcNow());
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    private async Task<string?> InsertAsync(string domain, DateTimeOffset signsFrom, bool onlyIfNone, CancellationToken ct)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var kid = FederationKey.Thumbprint(key);
        // Two nodes racing to make a first key may both succeed: harmless, both keys are published.
        await using var command = dataSource.CreateCommand($"""
            WITH d AS (SELECT id FROM domains WHERE name = $1)
            INSERT INTO federation_keys (kid, domain_id, private_key_pem, signs_from)
            SELECT $2, d.id, $3, $4 FROM d
            {(onlyIfNone ? "WHERE NOT EXISTS (SELECT 1 FROM federation_keys k WHERE k.domain_id = d.id AND k.retired_at IS NULL AND k.signs_from <= $4)" : "")}
            RETURNING kid
            """);
        command.Parameters.AddWithValue(domain);
        command.Parameters.AddWithValue(kid);
        command.Parameters.AddWithValue(key.ExportPkcs8PrivateKeyPem());
        command.Parameters.AddWithValue(signsFrom);
        return await command.ExecuteScalarAsync(ct) as string;
    }

    private async Task<bool> IsHostedAsync(string domain, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT 1 FROM domains WHERE name = $1");
        command.Parameters.AddWithValue(domain);
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    private ECDsa Parse(string kid, string pem) => _parsed.GetOrAdd(kid, _ =>
    {
        var key = ECDsa.Create();
        key.ImportFromPem(pem);
        return key;
    });
}
