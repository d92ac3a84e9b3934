namespace RestMail.Storage.Mail;

/// <summary>The kinds of row in the change log (the changes.kind column).</summary>
public enum ChangeKind
{
    Added = 1,
    FlagsChanged = 2,
    Moved = 3,
    Expunged = 4,
    FolderChanged = 5,
    FolderDeleted = 6,
}

public sealed record ChangeRecord(
    long ModSeq, ChangeKind Kind, long? MessageId, long? FolderId, long? Uid, long? PrevFolderId, long? PrevUid, DateTimeOffset At);

/// <param name="ResyncRequired">The log no longer reaches back to the asked MODSEQ: the client must reload everything.</param>
public sealed record ChangeFeed(IReadOnlyList<ChangeRecord> Changes, long HighestModSeq, bool ResyncRequired);
