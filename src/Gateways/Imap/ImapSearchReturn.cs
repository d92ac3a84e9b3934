namespace RestMail.Gateways.Imap;

/// <summary>The RETURN options of an extended SEARCH (RFC 4731 §3.1, RFC 5182 §2.4 SAVE).</summary>
internal sealed record ImapSearchReturn(bool Min = false, bool Max = false, bool All = false, bool Count = false, bool Save = false);
