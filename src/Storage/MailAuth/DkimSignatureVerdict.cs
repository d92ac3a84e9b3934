namespace RestMail.Storage.MailAuth;

/// <summary>
/// One DKIM-Signature's result: the signing domain (d=), the selector (s=) and the first characters
/// of the signature (b=), which tell signatures of one domain apart (RFC 6008).
/// </summary>
public sealed record DkimSignatureVerdict(DkimResult Result, string? Domain, string? Selector, string? SignaturePrefix);
