using RestMail.Storage.Messages;

namespace RestMail.Api.Messages;

/// <summary>
/// A message with its body: plain text, HTML already sanitised by an allow-list (remote images kept:
/// the client decides whether to load them), reply-to and the attachment list; download an
/// attachment from /v1/messages/{id}/attachments/{index}.
/// </summary>
public sealed record MessageDetailResponse : MessageResponse
{
    public MessageDetailResponse(MessageResponse summary, ParsedMessage parsed)
        : base(summary)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        ReplyTo = parsed.ReplyTo;
        Text = parsed.Text;
        Html = parsed.Html;
        Attachments = parsed.Attachments;
    }

    public IReadOnlyList<MessageAddress> ReplyTo { get; init; }
    public string Text { get; init; }
    public string? Html { get; init; }
    public IReadOnlyList<AttachmentInfo> Attachments { get; init; }
}
