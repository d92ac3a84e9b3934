using RestMail.Storage.Mail;

namespace RestMail.Api.Folders;

/// <summary>A folder with its counts; role is inbox, sent, drafts, trash, junk, archive or null.</summary>
public sealed record FolderResponse(long Id, string Name, string? Role, long Total, long Unread, long SizeBytes, long UidValidity, long UidNext, long Modseq)
{
    public static FolderResponse From(FolderInfo folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        return new(folder.Id, folder.Name, FolderRoles.ToColumn(folder.Role), folder.Total, folder.Unread, folder.SizeBytes, folder.UidValidity, folder.UidNext, folder.ModSeq);
    }
}
