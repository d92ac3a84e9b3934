using Npgsql;
using RestMail.Grains.Mailboxes;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Mailboxes;

/// <summary>
/// The mailbox transaction's prepared statements keep their generic plan for the life of a pooled
/// connection. In a new installation that plan is made while the tables are empty; it must still
/// find rows by key, or every delivery reads the whole table once it has grown.
/// </summary>
public sealed class MailboxPlanTests(PostgresServer postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // $1 folder, $2 account, $3 modseq, $4 flags, $5 keywords, $6 internal date, $7 size, $8 segments,
    // $9–$14 from, name, to, cc, subject, date, $15 thread keys, $16–$18 Message-ID, In-Reply-To,
    // References, $19 attachments, $20 preview, $21–$22 address documents.
    private const string InsertArguments = "1, 1, 1, 0, '{}', now(), 1, '{}', NULL, NULL, '{}', '{}', NULL, NULL, '{}', NULL, NULL, '{}', false, '', '', ''";

    [Fact]
    public async Task Plans_made_on_empty_tables_look_rows_up_by_key()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        await using var connection = await dataSource.OpenConnectionAsync(Ct);

        var insert = await GenericPlanAsync(connection, MailboxTransaction.InsertMessageSql, InsertArguments, MailboxTransaction.KeyLookupSettings);
        var references = await GenericPlanAsync(connection, MailboxTransaction.AddBlobReferencesSql, "'{}', '{}'", MailboxTransaction.KeyLookupSettings);

        foreach (var plan in new[] { insert, references })
        {
            Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);
            Assert.DoesNotContain("Hash Join", plan, StringComparison.Ordinal);
        }
        // The thread lookup goes key by key, both columns of the index.
        Assert.Contains("Index Cond: ((account_id = $2) AND (message_id_header = k.key))", insert, StringComparison.Ordinal);
        Assert.Contains("Index Scan using blobs_pkey", references, StringComparison.Ordinal);

        // Without the settings, the generic plan made on the empty table reads all of it.
        var unguarded = await GenericPlanAsync(connection, MailboxTransaction.AddBlobReferencesSql, "'{}', '{}'", ["SET LOCAL plan_cache_mode = force_generic_plan"]);
        Assert.Contains("Seq Scan on blobs", unguarded, StringComparison.Ordinal);
    }

    private static async Task<string> GenericPlanAsync(NpgsqlConnection connection, string sql, string arguments, IEnumerable<string> settings)
    {
        await using var transaction = await connection.BeginTransactionAsync(Ct);
        foreach (var setting in settings)
            await ExecuteAsync(connection, setting);
        await ExecuteAsync(connection, $"PREPARE planned AS {sql}");
        var lines = new List<string>();
        await using (var explain = new NpgsqlCommand($"EXPLAIN EXECUTE planned({arguments})", connection))
        await using (var reader = await explain.ExecuteReaderAsync(Ct))
        {
            while (await reader.ReadAsync(Ct))
                lines.Add(reader.GetString(0));
        }
        await ExecuteAsync(connection, "DEALLOCATE planned");
        await transaction.RollbackAsync(Ct);
        return string.Join('\n', lines);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
