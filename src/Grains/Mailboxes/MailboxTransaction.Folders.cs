using RestMail.Grains.Mailboxes;
using RestMail.Storage.Mail;

namespace RestMail.Grains.Mailboxes;

internal sealed partial class MailboxTransaction
{
    private const int MaxFolderNameLength = 255;

    /// <summary>
    /// Folder names: not empty, no control characters, no leading/trailing '/', and never another
    /// spelling of INBOX, which IMAP treats case-insensitively (RFC 9051 §5.1).
    /// </summary>
    private static bool IsValidFolderName(string name) =>
        name.Length is > 0 and <= MaxFolderNameLength
        && name.Trim() == name
        && !name.StartsWith('/') && !name.EndsWith('/') && !name.Contains("//", StringComparison.Ordinal)
        && !name.Any(char.IsControl)
        && !name.Equals("INBOX", StringComparison.OrdinalIgnoreCase);

    private async Task<bool> NameTakenAsync(string name, long exceptFolderId, CancellationToken cancellationToken)
    {
        await using var command = Command("SELECT 1 FROM folders WHERE account_id = $1 AND name = $2 AND id <> $3");
        command.Parameters.Add(new() { Value = _accountId });
        command.Parameters.Add(new() { Value = name });
        command.Parameters.Add(new() { Value = exceptFolderId });
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    private async Task AddFolderChangeAsync(ChangeKind kind, long folderId, long modSeq, CancellationToken cancellationToken)
    {
        await using var command = Command("INSERT INTO changes (account_id, modseq, kind, folder_id) VALUES ($1, $2, $3, $4)");
        command.Parameters.Add(new() { Value = _accountId });
        command.Parameters.Add(new() { Value = modSeq });
        command.Parameters.Add(new() { Value = (short)kind });
        command.Parameters.Add(new() { Value = folderId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<FolderResult> CreateFolderAsync(string name, FolderRole role, CancellationToken cancellationToken)
    {
        if (!IsValidFolderName(name))
            return new FolderResult { Status = FolderStatus.InvalidName };
        if (await NameTakenAsync(name, 0, cancellationToken))
            return new FolderResult { Status = FolderStatus.NameTaken };
        // One folder per role (folders UNIQUE (account_id, role)): delivery and the clients find the
        // Sent or Trash folder by its role, and JMAP (RFC 8621 §2) allows one mailbox per role too.
        if (role != FolderRole.None && _folderByRole.ContainsKey(role))
            return new FolderResult { Status = FolderStatus.RoleTaken };

        var modSeq = NextModSeq();
        // UIDVALIDITY is the folder's own id: never reused, so a re-created folder of the same
        // name gets a new one and clients drop their cached UIDs (RFC 9051 §2.3.1.1).
        await using var command = Command("""
            WITH n AS (SELECT nextval(pg_get_serial_sequence('folders', 'id')) AS id)
            INSERT INTO folders (id, account_id, name, role, uid_validity, modseq)
            SELECT n.id, $1, $2, $3, n.id, $4 FROM n
            RETURNING id
            """);
        command.Parameters.Add(new() { Value = _accountId });
        command.Parameters.Add(new() { Value = name });
        command.Parameters.Add(Text(FolderRoles.ToColumn(role)));
        command.Parameters.Add(new() { Value = modSeq });
        var folderId = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        _folders.Add(folderId);
        if (role != FolderRole.None)
            _folderByRole[role] = folderId;
        await AddFolderChangeAsync(ChangeKind.FolderChanged, folderId, modSeq, cancellationToken);
        return new FolderResult { Status = FolderStatus.Ok, FolderId = folderId, ModSeq = modSeq };
    }

    public async Task<FolderResult> RenameFolderAsync(long folderId, string newName, CancellationToken cancellationToken)
    {
        if (!_folders.Contains(folderId))
            return new FolderResult { Status = FolderStatus.NotFound };
        if (_folderByRole.TryGetValue(FolderRole.Inbox, out var inbox) && inbox == folderId)
            return new FolderResult { Status = FolderStatus.Protected, FolderId = folderId };
        if (!IsValidFolderName(newName))
            return new FolderResult { Status = FolderStatus.InvalidName, FolderId = folderId };
        if (await NameTakenAsync(newName, folderId, cancellationToken))
            return new FolderResult { Status = FolderStatus.NameTaken, FolderId = folderId };

        var modSeq = NextModSeq();
        await using var command = Command("UPDATE folders SET name = $2, modseq = $3 WHERE id = $1");
        command.Parameters.Add(new() { Value = folderId });
        command.Parameters.Add(new() { Value = newName });
        command.Parameters.Add(new() { Value = modSeq });
        await command.ExecuteNonQueryAsync(cancellationToken);
        await AddFolderChangeAsync(ChangeKind.FolderChanged, folderId, modSeq, cancellationToken);
        return new FolderResult { Status = FolderStatus.Ok, FolderId = folderId, ModSeq = modSeq };
    }

    /// <summary>Deletes a folder with its messages; special-use folders stay (clients rely on them).</summary>
    public async Task<FolderResult> DeleteFolderAsync(long folderId, CancellationToken cancellationToken)
    {
        if (!_folders.Contains(folderId))
            return new FolderResult { Status = FolderStatus.NotFound };
        if (_folderByRole.ContainsValue(folderId))
            return new FolderResult { Status = FolderStatus.Protected, FolderId = folderId };

        await using (var command = Command("DELETE FROM messages WHERE folder_id = $1 RETURNING size, segments"))
        {
            command.Parameters.Add(new() { Value = folderId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                CountAccount(-reader.GetInt64(0), -1);
                AddBlobReferences(reader.GetFieldValue<byte[][]>(1), -1);
            }
        }
        await using (var command = Command("DELETE FROM folders WHERE id = $1"))
        {
            command.Parameters.Add(new() { Value = folderId });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        _folders.Remove(folderId);
        _folderDeltas.Remove(folderId);
        var modSeq = NextModSeq();
        await AddFolderChangeAsync(ChangeKind.FolderDeleted, folderId, modSeq, cancellationToken);
        return new FolderResult { Status = FolderStatus.Ok, FolderId = folderId, ModSeq = modSeq };
    }
}
