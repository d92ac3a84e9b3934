using System.Security.Cryptography;
using Npgsql;
using RestMail.Storage.Accounts;

namespace RestMail.Storage.Dkim;

/// <summary>
/// The per-domain DKIM keys in <c>dkim_keys</c>. A key is created in the same transaction as its
/// domain (<see cref="DirectoryStore.CreateDomainAsync"/>); a domain created before keys existed gets
/// one on first use.
/// </summary>
public sealed class DkimKeyStore(NpgsqlDataSource dataSource)
{
    private const int KeyBits = 2048;

    /// <summary>The selector for a key made at <paramref name="now"/>: "rm" and the year, so a rotated key gets a new name.</summary>
    public static string SelectorFor(DateTimeOffset now) => "rm" + now.UtcDateTime.Year.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A new RSA-2048 key for <paramref name="domain"/> (not stored).</summary>
    public static DkimKey Generate(string domain, DateTimeOffset now)
    {
        using var rsa = RSA.Create(KeyBits);
        return new DkimKey(domain, SelectorFor(now), rsa.ExportPkcs8PrivateKeyPem(), Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>Stores <paramref name="key"/> for the domain unless it already has one; part of the caller's transaction.</summary>
    internal static async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long domainId, DkimKey key, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO dkim_keys (domain_id, selector, private_key_pem, public_key_base64) VALUES ($1, $2, $3, $4) ON CONFLICT (domain_id) DO NOTHING",
            connection, transaction);
        command.Parameters.AddWithValue(domainId);
        command.Parameters.AddWithValue(key.Selector);
        command.Parameters.AddWithValue(key.PrivateKeyPem);
        command.Parameters.AddWithValue(key.PublicKeyBase64);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// The key of a hosted domain, created now if the domain has none yet; null when the domain is not hosted.
    /// </summary>
    public async Task<DkimKey?> GetAsync(string domainName, CancellationToken ct)
    {
        if (!MailAddresses.TryNormalizeDomain(domainName, out var domain))
            return null;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        long domainId;
        await using (var find = new NpgsqlCommand(
            "SELECT d.id, k.selector, k.private_key_pem, k.public_key_base64 FROM domains d LEFT JOIN dkim_keys k ON k.domain_id = d.id WHERE d.name = $1",
            connection))
        {
            find.Parameters.AddWithValue(domain);
            await using var reader = await find.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
                return null;
            if (!reader.IsDBNull(1))
                return new DkimKey(domain, reader.GetString(1), reader.GetString(2), reader.GetString(3));
            domainId = reader.GetInt64(0);
        }

        // A domain from before 0003_dkim: make its key now. Two nodes racing both generate, one insert
        // wins (ON CONFLICT DO NOTHING) and both read the winner back.
        try
        {
            await InsertAsync(connection, null, domainId, Generate(domain, DateTimeOffset.UtcNow), ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            return null; // the domain was deleted meanwhile
        }
        await using var read = new NpgsqlCommand("SELECT selector, private_key_pem, public_key_base64 FROM dkim_keys WHERE domain_id = $1", connection);
        read.Parameters.AddWithValue(domainId);
        await using var keyReader = await read.ExecuteReaderAsync(ct);
        return await keyReader.ReadAsync(ct) ? new DkimKey(domain, keyReader.GetString(0), keyReader.GetString(1), keyReader.GetString(2)) : null;
    }
}
