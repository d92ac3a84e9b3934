using Npgsql;

namespace RestMail.Storage.Accounts;

public sealed partial class DirectoryStore
{
    /// <summary>
    /// Looks up an envelope address (already normalised by <see cref="MailAddresses.TryNormalizeAddress"/>):
    /// its domain, the account it reaches directly or through an alias, and the free quota.
    /// </summary>
    public async Task<RecipientInfo> FindRecipientAsync(string address, CancellationToken ct)
    {
        var domain = address[(address.LastIndexOf('@') + 1)..];
        // Every RCPT and every delivery asks this: prepared once per pooled connection (which needs
        // the connection itself; a data source's command cannot be prepared).
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand("""
            SELECT EXISTS (SELECT 1 FROM domains WHERE name = $2),
                   a.id,
                   a.quota_bytes - a.used_bytes,
                   -- Summing the domain's usage reads every account: only under a domain quota.
                   CASE WHEN d.quota_bytes IS NOT NULL
                        THEN d.quota_bytes - (SELECT coalesce(sum(o.used_bytes), 0)::bigint FROM accounts o WHERE o.domain_id = d.id) END
            FROM (SELECT 1) AS one
            LEFT JOIN accounts a ON a.id = coalesce((SELECT id FROM accounts WHERE address = $1),
                                                    (SELECT account_id FROM aliases WHERE address = $1))
            LEFT JOIN domains d ON d.id = a.domain_id
            """, connection);
        command.Parameters.AddWithValue(address);
        command.Parameters.AddWithValue(domain);
        await command.PrepareAsync(ct);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new RecipientInfo(
            address,
            reader.GetBoolean(0),
            reader.IsDBNull(1) ? null : reader.GetInt64(1),
            reader.IsDBNull(2) ? null : reader.GetInt64(2),
            reader.IsDBNull(3) ? null : reader.GetInt64(3));
    }
}
