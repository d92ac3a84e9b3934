namespace RestMail.Gateways.Imap;

/// <summary>
/// The QRESYNC parameter of SELECT/EXAMINE (RFC 7162 §3.2.5): what the client cached, with the optional
/// message sequence match data (<see cref="ImapSequenceMatch"/>).
/// </summary>
internal sealed record ImapQresyncParameters(long UidValidity, long ModSeq, ImapSequenceSet? KnownUids, ImapSequenceMatch? SequenceMatch = null);
