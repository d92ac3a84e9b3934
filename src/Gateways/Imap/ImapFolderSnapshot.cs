using RestMail.Storage.Mail;

namespace RestMail.Gateways.Imap;

/// <summary>A folder as SELECT sees it: its row, its messages by UID and the account's MODSEQ, all from one snapshot.</summary>
public sealed record ImapFolderSnapshot(FolderInfo Folder, long HighestModSeq, long[] Uids, IReadOnlyList<string> Keywords, long? FirstUnseenUid);
