using RestMail.Grains.Mailboxes;

namespace RestMail.Gateways.Imap;

/// <summary>What FETCH, STORE and the update responses need of a message without reading its body.</summary>
public sealed record ImapMessage(
    long Id, long Uid, MessageFlags Flags, IReadOnlyList<string> Keywords, DateTimeOffset InternalDate, long Size, long ModSeq);
