namespace RestMail.Gateways.Imap;

/// <summary>The summary columns SORT and THREAD need (RFC 5256), read from the message rows, not the bodies.</summary>
public sealed record ImapMessageHeaders(
    long Uid,
    string? Subject,
    string? From,
    string? To,
    string? Cc,
    DateTimeOffset? SentDate,
    DateTimeOffset InternalDate,
    long Size,
    string? MessageId,
    string? InReplyTo,
    IReadOnlyList<string> References)
{
    /// <summary>RFC 5256 §2.2: the sent date, or the internal date when the Date header is missing or unreadable.</summary>
    public DateTimeOffset Date => SentDate ?? InternalDate;
}
