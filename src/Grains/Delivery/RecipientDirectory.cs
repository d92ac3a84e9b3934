using Npgsql;

namespace RestMail.Grains.Delivery;

/// <summary>Resolves envelope recipients to local accounts (directly or through an alias).</summary>
internal sealed class RecipientDirectory(NpgsqlDataSource dataSource)
{
    public sealed record Resolution(string Address, long? AccountId, bool LocalDomain);

    public async Task<IReadOnlyList<Resolution>> ResolveAsync(IReadOnlyList<string> addresses, CancellationToken cancellationToken)
    {
        var normalized = addresses.Select(a => a.Trim().ToLowerInvariant()).ToArray();
        var domains = normalized.Select(a => a[(a.LastIndexOf('@') + 1)..]).ToArray();
        await using var command = dataSource.CreateCommand("""
            SELECT r.address,
                   coalesce((SELECT id FROM accounts WHERE address = r.address),
                            (SELECT account_id FROM aliases WHERE address = r.address)),
                   EXISTS (SELECT 1 FROM domains WHERE name = r.domain)
            FROM unnest($1::text[], $2::text[]) AS r(address, domain)
            """);
        command.Parameters.Add(new() { Value = normalized });
        command.Parameters.Add(new() { Value = domains });
        var results = new List<Resolution>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            results.Add(new Resolution(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.GetBoolean(2)));
        return results;
    }

    public async Task<long?> FindAccountAsync(string address, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id FROM accounts WHERE address = $1");
        command.Parameters.Add(new() { Value = address.Trim().ToLowerInvariant() });
        return await command.ExecuteScalarAsync(cancellationToken) as long?;
    }
}
