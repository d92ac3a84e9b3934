using RestMail.Grains.Mailboxes;

namespace RestMail.Storage.Mail;

public sealed record FolderInfo(
    long Id, string Name, FolderRole Role, long Total, long Unread, long SizeBytes, long UidValidity, long UidNext, long ModSeq);
