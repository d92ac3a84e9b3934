using RestMail.Grains.Mailboxes;

namespace RestMail.Storage.Messages;

/// <summary>
/// What acceptance needs from a raw message: its summary for listing and threading, its body text for
/// the full-text index, and the raw bytes cut into segments for content-addressed storage.
/// </summary>
/// <param name="Summary">Envelope fields and preview.</param>
/// <param name="SearchText">Decoded body text, at most <see cref="MessageAnalyzer.MaxSearchTextChars"/> characters.</param>
/// <param name="Segments">
/// Slices of the raw message; concatenated in order they are the raw message byte for byte. Attachment
/// bodies are segments of their own (see <see cref="MessageAnalyzer"/>), so identical attachments
/// give identical segments whatever message carries them.
/// </param>
public sealed record MessageAnalysis(MessageSummary Summary, string SearchText, IReadOnlyList<ReadOnlyMemory<byte>> Segments);
