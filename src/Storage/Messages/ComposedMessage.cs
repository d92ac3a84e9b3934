namespace RestMail.Storage.Messages;

/// <summary>
/// A built message and who to deliver it to. <paramref name="Recipients"/> are the normalised To, Cc
/// and Bcc addresses without duplicates; Bcc addresses are not in <paramref name="Raw"/>.
/// </summary>
public sealed record ComposedMessage(byte[] Raw, string From, IReadOnlyList<string> Recipients, string MessageId);
