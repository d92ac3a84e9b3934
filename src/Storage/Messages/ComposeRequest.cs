namespace RestMail.Storage.Messages;

/// <summary>A message to build, as the REST API receives it (snake_case JSON).</summary>
/// <remarks>Every member is optional at the type level so that missing fields reach
/// <see cref="MessageComposer"/> and get a readable <see cref="ComposeException"/> rather than a
/// deserialiser error.</remarks>
public sealed record ComposeRequest
{
    public ComposeAddress? From { get; init; }
    public IReadOnlyList<ComposeAddress>? To { get; init; }
    public IReadOnlyList<ComposeAddress>? Cc { get; init; }
    /// <summary>Delivered to, never written into the message.</summary>
    public IReadOnlyList<ComposeAddress>? Bcc { get; init; }
    public IReadOnlyList<ComposeAddress>? ReplyTo { get; init; }
    public string? Subject { get; init; }
    public string? Text { get; init; }
    public string? Html { get; init; }
    /// <summary>Message-ID of the message replied to, with or without angle brackets.</summary>
    public string? InReplyTo { get; init; }
    public IReadOnlyList<string>? References { get; init; }
    public IReadOnlyList<ComposeAttachment>? Attachments { get; init; }
}
