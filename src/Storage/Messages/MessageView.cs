using System.Text;
using MimeKit;
using MimeKit.IO;

namespace RestMail.Storage.Messages;

/// <summary>
/// Reads a stored raw message for the REST API: headers, text and sanitised HTML body, the attachment
/// list, and single attachment downloads. Never throws on bad input.
/// </summary>
/// <remarks>
/// HTML is sanitised by an allow-list (no scripts, no event handlers, no javascript: or data: URLs;
/// cid: and remote http(s) images are kept: the client decides whether to load remote content).
/// Attachments are numbered as <see cref="MessageParts"/> walks the message: depth-first, 0-based,
/// text/plain and text/html body parts excluded, a message/rfc822 part counted once as a whole.
/// </remarks>
public static class MessageView
{
    public static ParsedMessage Parse(ReadOnlyMemory<byte> raw)
    {
        try
        {
            var document = MimeDocument.Parse(raw);
            return document.Message is null ? new ParsedMessage() : Build(document, raw, document.Message);
        }
#pragma warning disable CA1031 // The contract is "never throws": an unreadable message shows as empty.
        catch (Exception)
#pragma warning restore CA1031
        {
            return new ParsedMessage();
        }
    }

    /// <summary>The attachment at <paramref name="index"/> (as listed by <see cref="Parse"/>), or null when there is none.</summary>
    public static AttachmentContent? GetAttachment(ReadOnlyMemory<byte> raw, int index)
    {
        if (index < 0)
            return null;
        try
        {
            var document = MimeDocument.Parse(raw);
            if (document.Message is null)
                return null;

            var parts = MessageParts.Of(document.Message);
            if (index >= parts.Attachments.Count)
                return null;

            var entity = parts.Attachments[index];
            using var output = new MemoryStream();
            WriteDecoded(document, raw, entity, output);
            return new AttachmentContent(entity.ContentType.MimeType.ToLowerInvariant(), FileNameOf(entity), output.ToArray());
        }
#pragma warning disable CA1031 // Same contract as Parse: a part that cannot be read is not there.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    private static ParsedMessage Build(MimeDocument document, ReadOnlyMemory<byte> raw, MimeMessage message)
    {
        var parts = MessageParts.Of(message);
        var attachments = new List<AttachmentInfo>(parts.Attachments.Count);
        for (var i = 0; i < parts.Attachments.Count; i++)
            attachments.Add(Describe(document, raw, parts.Attachments[i], i));

        return new ParsedMessage
        {
            From = Addresses(message.From).FirstOrDefault(),
            To = Addresses(message.To),
            Cc = Addresses(message.Cc),
            Bcc = Addresses(message.Bcc),
            ReplyTo = Addresses(message.ReplyTo),
            Subject = message.Subject,
            Date = message.Headers.Contains(HeaderId.Date) && message.Date != DateTimeOffset.MinValue ? message.Date : null,
            MessageId = string.IsNullOrEmpty(message.MessageId) ? null : message.MessageId,
            InReplyTo = string.IsNullOrEmpty(message.InReplyTo) ? null : message.InReplyTo,
            References = [.. message.References],
            Text = BodyText.Of(parts, int.MaxValue),
            Html = CleanHtml(parts),
            Attachments = attachments,
        };
    }

    private static AttachmentInfo Describe(MimeDocument document, ReadOnlyMemory<byte> raw, MimeEntity entity, int index)
    {
        long size;
        using (var measure = new MeasuringStream())
        {
            WriteDecoded(document, raw, entity, measure);
            size = measure.Length;
        }

        return new AttachmentInfo
        {
            Index = index,
            FileName = FileNameOf(entity),
            ContentType = entity.ContentType.MimeType.ToLowerInvariant(),
            Size = size,
            ContentId = string.IsNullOrEmpty(entity.ContentId) ? null : entity.ContentId,
            Inline = MessageParts.IsInline(entity),
        };
    }

    private static void WriteDecoded(MimeDocument document, ReadOnlyMemory<byte> raw, MimeEntity entity, Stream output)
    {
        switch (entity)
        {
            case MimePart { Content: { } content }:
                // MimeKit's decoders are lenient (bad base64 characters are skipped) and an unknown
                // Content-Transfer-Encoding is passed through undecoded, so this does not fail on bad input.
                content.DecodeTo(output);
                break;
            case MessagePart messagePart when document.TryGetBodyRange(messagePart, out var range)
                && range.Start >= 0 && range.End <= raw.Length && range.Start <= range.End:
                // The embedded message byte for byte as it was received (signatures inside it stay valid).
                output.Write(raw.Span[(int)range.Start..(int)range.End]);
                break;
            case MessagePart { Message: not null } messagePart:
                messagePart.Message.WriteTo(output);
                break;
        }
    }

    private static string? FileNameOf(MimeEntity entity)
    {
        var name = entity is MimePart part ? part.FileName : entity.ContentDisposition?.FileName ?? entity.ContentType.Name;
        return string.IsNullOrWhiteSpace(name) ? null : name.Trim();
    }

    private static string? CleanHtml(MessageParts parts)
    {
        if (parts.Html.Count == 0)
            return null;
        var sb = new StringBuilder();
        foreach (var part in parts.Html)
            sb.Append(HtmlCleaner.Clean(BodyText.SafeText(part)));
        return sb.ToString();
    }

    private static MessageAddress[] Addresses(InternetAddressList list) =>
        list.Mailboxes
            .Where(m => !string.IsNullOrWhiteSpace(m.Address))
            .Select(m => new MessageAddress(
                string.IsNullOrWhiteSpace(m.Name) ? null : m.Name.Trim(),
                AddressNormalizer.Normalize(m.Address) ?? m.Address.Trim()))
            .ToArray();
}
