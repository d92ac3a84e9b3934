using Microsoft.AspNetCore.Http.HttpResults;
using RestMail.Api.Problems;
using RestMail.Grains.Mailboxes;
using RestMail.Storage.Mail;

namespace RestMail.Api.Messages;

/// <summary>Writes shared by the single-message and bulk endpoints; all go through the account's mailbox grain.</summary>
internal sealed class MessageActions(IGrainFactory grains, MailQueries queries, long accountId)
{
    public const int MaxBulkIds = 1000;

    private IMailboxGrain Mailbox => grains.GetGrain<IMailboxGrain>(accountId);

    public Task<BulkResult> SetFlagsAsync(IReadOnlyList<long> ids, MessageFlags add, MessageFlags remove, IReadOnlyList<string> addKeywords, IReadOnlyList<string> removeKeywords, CancellationToken ct) =>
        Mailbox.SetFlagsAsync(new FlagUpdate { MessageIds = ids, Add = add, Remove = remove, AddKeywords = addKeywords, RemoveKeywords = removeKeywords }).WaitAsync(ct);

    public Task<BulkResult> MoveAsync(IReadOnlyList<long> ids, long folderId, CancellationToken ct) => Mailbox.MoveAsync(ids, folderId).WaitAsync(ct);

    public Task<BulkResult> CopyAsync(IReadOnlyList<long> ids, long folderId, CancellationToken ct) => Mailbox.CopyAsync(ids, folderId).WaitAsync(ct);

    /// <summary>
    /// Deletes the way mail clients do: into Trash, or for good when asked or when the message is
    /// already in Trash (or there is no Trash).
    /// </summary>
    public async Task<BulkResult> DeleteAsync(IReadOnlyList<long> ids, bool permanent, CancellationToken ct)
    {
        var folders = await queries.ListFoldersAsync(accountId, ct);
        var trash = folders.FirstOrDefault(f => f.Role == FolderRole.Trash)?.Id;
        if (permanent || trash is null)
            return await Mailbox.ExpungeAsync(ids).WaitAsync(ct);

        var toTrash = new List<long>();
        var toExpunge = new List<long>();
        var notFound = new List<long>();
        foreach (var id in ids.Distinct())
        {
            var message = await queries.GetMessageAsync(accountId, id, ct);
            (message is null ? notFound : message.FolderId == trash ? toExpunge : toTrash).Add(id);
        }
        var changed = new List<MessageChange>();
        if (toTrash.Count > 0)
        {
            var moved = await Mailbox.MoveAsync(toTrash, trash.Value).WaitAsync(ct);
            changed.AddRange(moved.Changed);
            notFound.AddRange(moved.NotFound);
        }
        if (toExpunge.Count > 0)
        {
            var expunged = await Mailbox.ExpungeAsync(toExpunge).WaitAsync(ct);
            changed.AddRange(expunged.Changed);
            notFound.AddRange(expunged.NotFound);
        }
        return new BulkResult { Changed = changed, NotFound = notFound };
    }

    /// <summary>The problem for a failed move or copy, or null when it went through.</summary>
    public static ProblemHttpResult? Problem(BulkResult result) => result.Status switch
    {
        DeliveryStatus.Stored => null,
        DeliveryStatus.FolderNotFound => ApiProblems.Invalid("folder_id", "No such folder."),
        DeliveryStatus.OverQuota => ApiProblems.InsufficientStorage("The copy would exceed the account or domain quota; nothing was copied."),
        _ => ApiProblems.Conflict($"The operation failed: {result.Status}."),
    };
}
