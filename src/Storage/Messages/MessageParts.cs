using MimeKit;

namespace RestMail.Storage.Messages;

/// <summary>
/// Splits a parsed message into its readable body (text/plain and text/html parts) and its
/// attachments, in one depth-first walk so that every caller numbers attachments the same way.
/// </summary>
/// <remarks>
/// Body: every text/plain or text/html leaf that is not marked <c>Content-Disposition: attachment</c>
/// (RFC 2183 §2.2). Attachments: every other leaf, and every message/rfc822 part as a whole (a
/// forwarded message downloads as one .eml; its own parts are not listed). Attachment indexes are
/// 0-based positions in this walk, so they are stable for a given raw message.
/// </remarks>
internal sealed class MessageParts
{
    private MessageParts(List<TextPart> plain, List<TextPart> html, List<MimeEntity> attachments)
    {
        Plain = plain;
        Html = html;
        Attachments = attachments;
    }

    public IReadOnlyList<TextPart> Plain { get; }
    public IReadOnlyList<TextPart> Html { get; }
    public IReadOnlyList<MimeEntity> Attachments { get; }

    public static MessageParts Of(MimeMessage message)
    {
        var plain = new List<TextPart>();
        var html = new List<TextPart>();
        var attachments = new List<MimeEntity>();
        if (message.Body is not null)
            Walk(message.Body, plain, html, attachments);
        return new MessageParts(plain, html, attachments);
    }

    /// <summary>
    /// Inline parts are shown within the body rather than offered as files: a part with
    /// <c>Content-Disposition: inline</c>, or one without a disposition that has a Content-ID
    /// (a multipart/related resource, RFC 2387).
    /// </summary>
    public static bool IsInline(MimeEntity entity)
    {
        var disposition = entity.ContentDisposition?.Disposition;
        if (disposition is null)
            return !string.IsNullOrEmpty(entity.ContentId);
        return string.Equals(disposition, ContentDisposition.Inline, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Whether the message "has attachments" for the listing's paperclip: any attachment except an
    /// inline resource referenced by Content-ID (an image embedded in the HTML body) and the
    /// signature part of a signed message (RFC 1847 multipart/signed), which users do not see as a file.
    /// </summary>
    public bool HasRealAttachments => Attachments.Any(a => !(IsInline(a) && !string.IsNullOrEmpty(a.ContentId)) && !IsSignature(a));

    private static bool IsSignature(MimeEntity entity) =>
        entity.ContentType.IsMimeType("application", "pgp-signature")
        || entity.ContentType.IsMimeType("application", "pkcs7-signature")
        || entity.ContentType.IsMimeType("application", "x-pkcs7-signature");

    private static void Walk(MimeEntity entity, List<TextPart> plain, List<TextPart> html, List<MimeEntity> attachments)
    {
        switch (entity)
        {
            case Multipart multipart:
                foreach (var child in multipart)
                    Walk(child, plain, html, attachments);
                break;
            case TextPart text when !text.IsAttachment && text.IsPlain:
                plain.Add(text);
                break;
            case TextPart text when !text.IsAttachment && text.IsHtml:
                html.Add(text);
                break;
            default:
                attachments.Add(entity);
                break;
        }
    }
}
