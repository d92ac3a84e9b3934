namespace RestMail.Storage.MailAuth;

/// <summary>
/// The DMARC result for one message: the RFC5322.From domain, and when a record was found, the
/// policy that applies to that domain (p=, or sp= for a subdomain of the record's domain) and pct=.
/// REST Mail records the result; it does not yet act on the policy.
/// </summary>
public sealed record DmarcVerdict(DmarcResult Result, string? FromDomain, DmarcPolicy? Policy = null, int Percent = 100);
