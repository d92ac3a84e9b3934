namespace RestMail.Storage.MailAuth;

/// <summary>
/// The SPF result for one message: which identity was checked ("mailfrom", or "helo" for the null
/// sender, RFC 7208 §2.4), its value (the address or HELO name as the client gave it) and the domain
/// whose policy decided.
/// </summary>
public sealed record SpfVerdict(SpfResult Result, string Identity, string IdentityValue, string Domain);
