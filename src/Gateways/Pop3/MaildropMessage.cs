namespace RestMail.Gateways.Pop3;

/// <summary>One Inbox message as the session saw it when the maildrop was opened.</summary>
public sealed record MaildropMessage(long Id, long Uid, long Size);
