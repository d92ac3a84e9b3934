namespace RestMail.Gateways.Imap;

/// <summary>
/// The QRESYNC parameter of SELECT/EXAMINE (RFC 7162 §3.2.5): what the client cached. The optional
/// sequence-match data is read but not used: it only helps servers that cannot list what was expunged,
/// and this one reads that from the change log (or, past its floor, from the client's known UIDs).
/// </summary>
internal sealed record ImapQresyncParameters(long UidValidity, long ModSeq, ImapSequenceSet? KnownUids);
