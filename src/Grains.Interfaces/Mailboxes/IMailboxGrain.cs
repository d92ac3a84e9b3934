namespace RestMail.Grains.Mailboxes;

/// <summary>
/// One account's mailbox, keyed by account id: the single writer for its folders and messages.
/// Every write allocates UIDs and MODSEQs, updates quota usage and appends to the change log in the
/// same PostgreSQL transaction; concurrent writes are grouped into one transaction.
/// Reads (listing, fetch, search) go to PostgreSQL directly.
/// </summary>
[Alias("RestMail.IMailboxGrain")]
public interface IMailboxGrain : IGrainWithIntegerKey
{
    [Alias("Deliver")]
    Task<DeliveryResult> DeliverAsync(DeliveryRequest request);

    [Alias("SetFlags")]
    Task<BulkResult> SetFlagsAsync(FlagUpdate update);

    [Alias("Move")]
    Task<BulkResult> MoveAsync(IReadOnlyList<long> messageIds, long targetFolderId);

    [Alias("Copy")]
    Task<BulkResult> CopyAsync(IReadOnlyList<long> messageIds, long targetFolderId);

    /// <summary>Remove messages permanently, releasing their quota and blob references.</summary>
    [Alias("Expunge")]
    Task<BulkResult> ExpungeAsync(IReadOnlyList<long> messageIds);

    [Alias("CreateFolder")]
    Task<FolderResult> CreateFolderAsync(string name, FolderRole role);

    [Alias("RenameFolder")]
    Task<FolderResult> RenameFolderAsync(long folderId, string newName);

    /// <summary>Delete a folder and every message in it.</summary>
    [Alias("DeleteFolder")]
    Task<FolderResult> DeleteFolderAsync(long folderId);

    [Alias("Subscribe")]
    Task SubscribeAsync(IMailboxObserver observer);

    [Alias("Unsubscribe")]
    Task UnsubscribeAsync(IMailboxObserver observer);
}
