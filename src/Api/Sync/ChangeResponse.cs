using RestMail.Storage.Mail;

namespace RestMail.Api.Sync;

/// <summary>One change-log entry; kind is added, flags_changed, moved, expunged, folder_changed or folder_deleted.</summary>
public sealed record ChangeResponse(long Modseq, ChangeKind Kind, long? MessageId, long? FolderId, long? Uid, long? PrevFolderId, long? PrevUid, DateTimeOffset At)
{
    public static ChangeResponse From(ChangeRecord change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return new(change.ModSeq, change.Kind, change.MessageId, change.FolderId, change.Uid, change.PrevFolderId, change.PrevUid, change.At);
    }
}
