using Npgsql;

namespace RestMail.Storage.Accounts;

public sealed partial class DirectoryStore
{
    private const string Postmaster = "postmaster";

    /// <summary>
    /// Looks up an envelope address (already normalised by <see cref="MailAddresses.TryNormalizeAddress"/>):
    /// its domain, the account it reaches directly or through an alias, and the free quota. A hosted
    /// domain's postmaster without an account or alias of its own reaches the server's first
    /// administrator (RFC 5321 §4.5.1: every domain's postmaster must reach someone).
    /// </summary>
    public Task<RecipientInfo> FindRecipientAsync(string address, CancellationToken ct) =>
        FindRecipientAsync(address, address.StartsWith(Postmaster + "@", StringComparison.Ordinal), hostPostmaster: false, ct);

    /// <summary>
    /// The bare "postmaster" of RFC 5321 §4.1.1.3 (no domain), the postmaster of this host whether or
    /// not its name is a hosted domain: as <c>postmaster@hostname</c>, always local.
    /// </summary>
    public Task<RecipientInfo> FindHostPostmasterAsync(string hostname, CancellationToken ct) =>
        FindRecipientAsync($"{Postmaster}@{hostname}", postmaster: true, hostPostmaster: true, ct);

    private async Task<RecipientInfo> FindRecipientAsync(string address, bool postmaster, bool hostPostmaster, CancellationToken ct)
    {
        var domain = address[(address.LastIndexOf('@') + 1)..];
        // Every RCPT and every delivery asks this: prepared once per pooled connection (which needs
        // the connection itself; a data source's command cannot be prepared).
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand("""
            SELECT $4 OR EXISTS (SELECT 1 FROM domains WHERE name = $2),
                   a.id,
                   a.quota_bytes - a.used_bytes,
                   -- Summing the domain's usage reads every account: only under a domain quota.
                   CASE WHEN d.quota_bytes IS NOT NULL
                        THEN d.quota_bytes - (SELECT coalesce(sum(o.used_bytes), 0)::bigint FROM accounts o WHERE o.domain_id = d.id) END
            FROM (SELECT 1) AS one
            LEFT JOIN accounts a ON a.id = coalesce((SELECT id FROM accounts WHERE address = $1),
                                                    (SELECT account_id FROM aliases WHERE address = $1),
                                                    -- Evaluated only when both are null, and only for postmaster.
                                                    (SELECT id FROM accounts
                                                     WHERE $3 AND is_admin AND ($4 OR EXISTS (SELECT 1 FROM domains WHERE name = $2))
                                                     ORDER BY id LIMIT 1))
            LEFT JOIN domains d ON d.id = a.domain_id
            """, connection);
        command.Parameters.AddWithValue(address);
        command.Parameters.AddWithValue(domain);
        command.Parameters.AddWithValue(postmaster);
        command.Parameters.AddWithValue(hostPostmaster);
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
