using Npgsql;

namespace RestMail.Storage.Federation;

/// <summary>
/// Makes POST /deliver idempotent per (sender domain, idempotency key, recipient). A recipient is
/// claimed ('pending') before delivery and its final answer recorded after; a retry gets that answer
/// back without storing anything. A temporary failure is forgotten so the retry delivers. A claim left
/// pending longer than <see cref="StaleClaim"/> (its node died mid-delivery) may be taken over.
/// </summary>
public sealed class FederationDeliveryLog(NpgsqlDataSource dataSource, TimeProvider time)
{
    public static readonly TimeSpan StaleClaim = TimeSpan.FromMinutes(10);

    /// <summary>Final answers are kept longer than any sender retries (RestMail:Outbound:MaxLifetime is 5 days by default).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(8);

    private int _calls;

    /// <summary>Claims each recipient; the answer says which ones the caller must deliver and what is already known of the others.</summary>
    public async Task<DeliveryClaim> ClaimAsync(string issuer, string key, IReadOnlyList<string> recipients, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (Interlocked.Increment(ref _calls) % 256 == 0)
        {
            await using var purge = dataSource.CreateCommand("DELETE FROM federation_deliveries WHERE created_at < $1");
            purge.Parameters.AddWithValue(now - Retention);
            await purge.ExecuteNonQueryAsync(ct);
        }

        var claimed = new HashSet<string>(StringComparer.Ordinal);
        await using (var claim = dataSource.CreateCommand("""
            INSERT INTO federation_deliveries (issuer, idempotency_key, recipient, state, created_at)
            SELECT $1, $2, r, 'pending', $4 FROM unnest($3::text[]) AS r
            ON CONFLICT (issuer, idempotency_key, recipient) DO UPDATE SET created_at = excluded.created_at
                WHERE federation_deliveries.state = 'pending' AND federation_deliveries.created_at < $5
            RETURNING recipient
            """))
        {
            claim.Parameters.AddWithValue(issuer);
            claim.Parameters.AddWithValue(key);
            claim.Parameters.AddWithValue(recipients.ToArray());
            claim.Parameters.AddWithValue(now);
            claim.Parameters.AddWithValue(now - StaleClaim);
            await using var reader = await claim.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                claimed.Add(reader.GetString(0));
        }

        var known = new Dictionary<string, FederationRecipientResult?>(StringComparer.Ordinal);
        var others = recipients.Where(r => !claimed.Contains(r)).ToArray();
        if (others.Length > 0)
        {
            await using var read = dataSource.CreateCommand("""
                SELECT recipient, state, code, enhanced_code, status, message FROM federation_deliveries
                WHERE issuer = $1 AND idempotency_key = $2 AND recipient = ANY($3)
                """);
            read.Parameters.AddWithValue(issuer);
            read.Parameters.AddWithValue(key);
            read.Parameters.AddWithValue(others);
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                known[reader.GetString(0)] = reader.GetString(1) == "done"
                    ? new FederationRecipientResult(reader.GetString(0), reader.GetString(4), reader.GetInt32(2), reader.GetString(3), reader.GetString(5))
                    : null; // another request is delivering it right now
            }
        }
        return new DeliveryClaim([.. claimed], known);
    }

    /// <summary>Records final answers (2xx, 5xx) and releases the claims of temporary failures (4xx) so a retry delivers.</summary>
    public async Task CompleteAsync(string issuer, string key, IReadOnlyList<FederationRecipientResult> results, CancellationToken ct)
    {
        var final = results.Where(r => r.Code is < 400 or >= 500).ToList();
        var temporary = results.Where(r => r.Code is >= 400 and < 500).Select(r => r.Recipient).ToArray();
        var batch = dataSource.CreateBatch();
        await using (batch)
        {
            foreach (var result in final)
            {
                var record = new NpgsqlBatchCommand("""
                    UPDATE federation_deliveries SET state = 'done', code = $4, enhanced_code = $5, status = $6, message = $7
                    WHERE issuer = $1 AND idempotency_key = $2 AND recipient = $3
                    """);
                record.Parameters.AddWithValue(issuer);
                record.Parameters.AddWithValue(key);
                record.Parameters.AddWithValue(result.Recipient);
                record.Parameters.AddWithValue(result.Code);
                record.Parameters.AddWithValue(result.EnhancedCode);
                record.Parameters.AddWithValue(result.Status);
                record.Parameters.AddWithValue(result.Message);
                batch.BatchCommands.Add(record);
            }
            if (temporary.Length > 0)
            {
                var release = new NpgsqlBatchCommand("DELETE FROM federation_deliveries WHERE issuer = $1 AND idempotency_key = $2 AND recipient = ANY($3) AND state = 'pending'");
                release.Parameters.AddWithValue(issuer);
                release.Parameters.AddWithValue(key);
                release.Parameters.AddWithValue(temporary);
                batch.BatchCommands.Add(release);
            }
            if (batch.BatchCommands.Count > 0)
                await batch.ExecuteNonQueryAsync(ct);
        }
    }
}

/// <summary>
/// The recipients this request must deliver (<see cref="Claimed"/>), and for the others their recorded
/// answer, or null when another request is delivering them at this moment.
/// </summary>
public sealed record DeliveryClaim(IReadOnlyList<string> Claimed, IReadOnlyDictionary<string, FederationRecipientResult?> Known);
