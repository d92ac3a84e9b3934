using Npgsql;

namespace RestMail.Gateways.Pop3;

/// <summary>
/// Reads an account's Inbox for a POP3 session straight from PostgreSQL (reads need not go through
/// the mailbox grain; writes do). One statement, so the list and UIDVALIDITY agree.
/// </summary>
public sealed class Pop3MaildropStore(NpgsqlDataSource dataSource)
{
    public async Task<Pop3Maildrop> LoadInboxAsync(long accountId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT f.id, f.uid_validity, m.id, m.uid, m.size
            FROM folders f
            LEFT JOIN messages m ON m.folder_id = f.id
            WHERE f.account_id = $1 AND f.role = 'inbox'
            ORDER BY m.uid
            """);
        command.Parameters.Add(new() { Value = accountId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        long folderId = 0, uidValidity = 0;
        var messages = new List<MaildropMessage>();
        while (await reader.ReadAsync(cancellationToken))
        {
            folderId = reader.GetInt64(0);
            uidValidity = reader.GetInt64(1);
            if (!reader.IsDBNull(2))
                messages.Add(new MaildropMessage(reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)));
        }
        return new Pop3Maildrop(folderId, uidValidity, messages);
    }

    /// <summary>
    /// Of the given ids, those still in the Inbox. A message another client moved elsewhere since
    /// the session listed it left the maildrop, so the UPDATE state must not expunge it there.
    /// </summary>
    public async Task<IReadOnlyList<long>> StillInFolderAsync(long accountId, long folderId, IReadOnlyList<long> ids, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id FROM messages WHERE account_id = $1 AND folder_id = $2 AND id = ANY($3)");
        command.Parameters.Add(new() { Value = accountId });
        command.Parameters.Add(new() { Value = folderId });
        command.Parameters.Add(new() { Value = ids.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var present = new List<long>();
        while (await reader.ReadAsync(cancellationToken))
            present.Add(reader.GetInt64(0));
        return present;
    }
}
