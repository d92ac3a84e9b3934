namespace RestMail.Storage.Messages;

/// <summary>The JSON-friendly view of one message that the REST API returns.</summary>
public sealed record ParsedMessage
{
    public MessageAddress? From { get; init; }
    public IReadOnlyList<MessageAddress> To { get; init; } = [];
    public IReadOnlyList<MessageAddress> Cc { get; init; } = [];
    /// <summary>Only present in messages the user sent (a Sent or Drafts copy); received mail has none.</summary>
    public IReadOnlyList<MessageAddress> Bcc { get; init; } = [];
    public IReadOnlyList<MessageAddress> ReplyTo { get; init; } = [];
    public string? Subject { get; init; }
    public DateTimeOffset? Date { get; init; }
    /// <summary>Message-ID without angle brackets.</summary>
    public string? MessageId { get; init; }
    public string? InReplyTo { get; init; }
    public IReadOnlyList<string> References { get; init; } = [];
    /// <summary>The plain text body, or the HTML body converted to text when there is no text/plain part.</summary>
    public string Text { get; init; } = "";
    /// <summary>The sanitised HTML body (see <see cref="MessageView"/>), or null when there is no HTML part.</summary>
    public string? Html { get; init; }
    public IReadOnlyList<AttachmentInfo> Attachments { get; init; } = [];
}
