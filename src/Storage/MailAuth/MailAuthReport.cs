namespace RestMail.Storage.MailAuth;

/// <summary>Everything the inbound checks found for one message, ready for an Authentication-Results field.</summary>
public sealed record MailAuthReport(SpfVerdict Spf, IReadOnlyList<DkimSignatureVerdict> Dkim, DmarcVerdict Dmarc);
