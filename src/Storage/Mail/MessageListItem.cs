using RestMail.Grains.Mailboxes;

namespace RestMail.Storage.Mail;

/// <summary>A message's stored metadata: everything but the body.</summary>
public sealed record MessageListItem(
    long Id,
    long FolderId,
    long Uid,
    long ModSeq,
    MessageFlags Flags,
    IReadOnlyList<string> Keywords,
    DateTimeOffset InternalDate,
    long Size,
    string? FromAddress,
    string? FromName,
    IReadOnlyList<string> To,
    IReadOnlyList<string> Cc,
    string? Subject,
    DateTimeOffset? SentDate,
    string? MessageIdHeader,
    string? InReplyTo,
    IReadOnlyList<string> References,
    bool HasAttachments,
    string Preview,
    long ThreadId);
