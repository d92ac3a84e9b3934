using System.Text.Json.Serialization;
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

    [JsonPropertyOrder(1)]
    public IReadOnlyList<MessageAddress> ReplyTo { get; init; }
    [JsonPropertyOrder(1)]
    public string Text { get; init; }
    [JsonPropertyOrder(1)]
    public string? Html { get; init; }
    [JsonPropertyOrder(1)]
    public IReadOnlyList<AttachmentInfo> Attachments { get; init; }
}
