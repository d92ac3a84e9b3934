using RestMail.Storage.Mail;

namespace RestMail.Api.Messages;

/// <summary>A message's metadata as listed; GET /v1/messages/{id} adds the body.</summary>
public record MessageResponse(
    long Id,
    long FolderId,
    long Uid,
    long Modseq,
    IReadOnlyList<string> Flags,
    IReadOnlyList<string> Keywords,
    DateTimeOffset InternalDate,
    long Size,
    AddressResponse? From,
    IReadOnlyList<string> To,
    IReadOnlyList<string> Cc,
    string? Subject,
    DateTimeOffset? SentDate,
    string? MessageId,
    string? InReplyTo,
    IReadOnlyList<string> References,
    bool HasAttachments,
    string Preview,
    long ThreadId)
{
    public static MessageResponse Of(MessageListItem m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return new(
            m.Id, m.FolderId, m.Uid, m.ModSeq, MessageFlagNames.ToNames(m.Flags), m.Keywords, m.InternalDate, m.Size,
            m.FromAddress is null && m.FromName is null ? null : new AddressResponse(m.FromAddress, m.FromName),
            m.To, m.Cc, m.Subject, m.SentDate, m.MessageIdHeader, m.InReplyTo, m.References, m.HasAttachments, m.Preview, m.ThreadId);
    }
}
