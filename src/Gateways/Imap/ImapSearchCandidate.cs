using MimeKit;

namespace RestMail.Gateways.Imap;

/// <summary>
/// A message being tested by SEARCH. The content (the parsed raw message) is loaded only when a text
/// key still decides the outcome after the metadata keys had their say.
/// </summary>
/// <param name="ContentLoaded">False on the first, metadata-only pass: text keys then answer "unknown".</param>
/// <param name="Content">The parsed message; null with <paramref name="ContentLoaded"/> when MimeKit could not parse it.</param>
/// <param name="RawText">The raw message as text, for a message MimeKit could not parse.</param>
internal sealed record ImapSearchCandidate(int Sequence, ImapMessage Message, bool ContentLoaded = false, MimeMessage? Content = null, string? RawText = null);
