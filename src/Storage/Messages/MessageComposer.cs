using System.Text;
using MimeKit;
using MimeKit.Text;
using MimeKit.Utils;

namespace RestMail.Storage.Messages;

/// <summary>Builds an RFC 5322 message from a REST compose request.</summary>
/// <remarks>
/// Structure (RFC 2046 §5.1): text only or HTML only is a single part; both are a
/// multipart/alternative (text first, as §5.1.4 orders by increasing faithfulness); attachments with a
/// Content-ID go with the HTML in a multipart/related (RFC 2387); other attachments wrap the whole in
/// a multipart/mixed. The output uses CRLF line endings (RFC 5322 §2.1) and only 7-bit content
/// transfer encodings, so any relay can carry it.
/// </remarks>
public static class MessageComposer
{
    private static readonly FormatOptions Format = CreateFormat();

    /// <summary>Build the message. Throws <see cref="ComposeException"/> when the request is invalid.</summary>
    /// <param name="request">What to send.</param>
    /// <param name="hostname">This server's host name, the right-hand side of the generated Message-ID.</param>
    /// <param name="now">The Date header.</param>
    public static ComposedMessage Compose(ComposeRequest request, string hostname, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(hostname);

        var message = new MimeMessage();

        if (request.From is null || string.IsNullOrWhiteSpace(request.From.Address))
            throw new ComposeException("A from address is required.");
        var (from, fromAddress) = Mailbox(request.From, "from");
        message.From.Add(from);

        var recipients = new List<string>();
        AddAll(message.To, request.To, "to", recipients);
        AddAll(message.Cc, request.Cc, "cc", recipients);
        // RFC 5322 §3.6.3 allows an empty Bcc header; leaving it out entirely is what keeps the blind
        // copies blind. The addresses only travel as envelope recipients.
        AddAll(new InternetAddressList(), request.Bcc, "bcc", recipients);
        AddAll(message.ReplyTo, request.ReplyTo, "reply_to", recipients: null);
        if (recipients.Count == 0)
            throw new ComposeException("At least one recipient (to, cc or bcc) is required.");

        // Folding white space is the only line break a header may hold (RFC 5322 §2.2.3); a newline in
        // the subject would otherwise let a caller inject headers.
        if (request.Subject is not null)
            message.Subject = OneLine(request.Subject);

        message.Date = now;
        var domain = AddressNormalizer.TryNormalizeDomain(hostname, out var normalizedHost) ? normalizedHost : hostname.Trim();
        message.MessageId = MimeUtils.GenerateMessageId(domain);

        if (!string.IsNullOrWhiteSpace(request.InReplyTo))
            message.InReplyTo = MessageId(request.InReplyTo, "in_reply_to");
        foreach (var reference in request.References ?? [])
            message.References.Add(MessageId(reference, "references"));

        message.Body = BuildBody(request);
        // Choose quoted-printable or base64 wherever 8-bit text would otherwise go out raw.
        message.Prepare(EncodingConstraint.SevenBit);

        using var output = new MemoryStream();
        message.WriteTo(Format, output);
        return new ComposedMessage(output.ToArray(), fromAddress, recipients.Distinct(StringComparer.Ordinal).ToArray(), message.MessageId);
    }

    private static MimeEntity BuildBody(ComposeRequest request)
    {
        TextPart? text = request.Text is null ? null : Text(TextFormat.Plain, request.Text);
        TextPart? html = request.Html is null ? null : Text(TextFormat.Html, request.Html);

        var inline = new List<MimePart>();
        var attached = new List<MimePart>();
        var attachments = request.Attachments ?? [];
        for (var i = 0; i < attachments.Count; i++)
        {
            var attachment = attachments[i] ?? throw new ComposeException($"Attachment {i + 1} is empty.");
            // An inline part only makes sense next to HTML that can refer to it.
            var isInline = html is not null && !string.IsNullOrWhiteSpace(attachment.ContentId);
            (isInline ? inline : attached).Add(Attachment(attachment, i, isInline));
        }

        MimeEntity? htmlSide = html;
        if (html is not null && inline.Count > 0)
        {
            var related = new MultipartRelated { html };
            foreach (var part in inline)
                related.Add(part);
            htmlSide = related;
        }

        MimeEntity body = (text, htmlSide) switch
        {
            (not null, not null) => new MultipartAlternative { text, htmlSide },
            (null, not null) => htmlSide,
            (not null, null) => text,
            // No body at all: an empty text part keeps the structure simple for every reader.
            _ => Text(TextFormat.Plain, ""),
        };

        if (attached.Count == 0)
            return body;

        var mixed = new Multipart("mixed") { body };
        foreach (var part in attached)
            mixed.Add(part);
        return mixed;
    }

    private static TextPart Text(TextFormat format, string content)
    {
        var part = new TextPart(format);
        part.SetText(Encoding.UTF8, content);
        return part;
    }

    private static MimePart Attachment(ComposeAttachment attachment, int index, bool isInline)
    {
        var label = string.IsNullOrWhiteSpace(attachment.FileName) ? $"Attachment {index + 1}" : $"Attachment '{attachment.FileName}'";

        if (attachment.Content is null)
            throw new ComposeException($"{label} has no content.");
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(attachment.Content);
        }
        catch (FormatException e)
        {
            throw new ComposeException($"{label} is not valid base64.", e);
        }

        var contentType = new ContentType("application", "octet-stream");
        if (!string.IsNullOrWhiteSpace(attachment.ContentType)
            && (!ContentType.TryParse(attachment.ContentType, out contentType) || contentType.MediaType.Equals("multipart", StringComparison.OrdinalIgnoreCase)))
            throw new ComposeException($"{label} has an invalid content type '{attachment.ContentType}'.");

        var part = new MimePart(contentType)
        {
            Content = new MimeContent(new MemoryStream(bytes, writable: false)),
            ContentDisposition = new ContentDisposition(isInline ? ContentDisposition.Inline : ContentDisposition.Attachment),
            ContentTransferEncoding = ContentEncoding.Base64,
        };
        var fileName = SafeFileName(attachment.FileName);
        if (fileName is not null)
            part.FileName = fileName;
        if (isInline)
            part.ContentId = MessageId(attachment.ContentId!, "content_id");
        return part;
    }

    // Only the last path component, without control characters: the name is a suggestion to the
    // recipient's client (RFC 2183 §2.3), never a path.
    private static string? SafeFileName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
            return null;
        var last = name.Replace('\\', '/').Split('/')[^1];
        var cleaned = new string(last.Where(c => !char.IsControl(c)).ToArray()).Trim();
        return cleaned.Length == 0 ? null : cleaned;
    }

    // Returns the normalised address as well: MailboxAddress.Address gives IDN domains back in Unicode,
    // while envelopes and lookups use the ASCII form.
    private static (MailboxAddress Mailbox, string Address) Mailbox(ComposeAddress address, string field)
    {
        if (!AddressNormalizer.TryNormalize(address.Address, out var normalized))
            throw new ComposeException($"'{address.Address}' in {field} is not a valid email address.");
        var name = string.IsNullOrWhiteSpace(address.Name) ? null : OneLine(address.Name);
        return (new MailboxAddress(name, normalized), normalized);
    }

    private static void AddAll(InternetAddressList list, IReadOnlyList<ComposeAddress>? addresses, string field, List<string>? recipients)
    {
        foreach (var address in addresses ?? [])
        {
            if (address is null || string.IsNullOrWhiteSpace(address.Address))
                throw new ComposeException($"An entry in {field} has no address.");
            var (mailbox, normalized) = Mailbox(address, field);
            list.Add(mailbox);
            recipients?.Add(normalized);
        }
    }

    // RFC 5322 §3.6.4 msg-id: "<" id-left "@" id-right ">"; accepted with or without the brackets.
    private static string MessageId(string value, string field)
    {
        var id = value.Trim();
        if (id.Length >= 2 && id[0] == '<' && id[^1] == '>')
            id = id[1..^1];
        if (id.Length == 0 || id.Length > 900 || id.Any(c => c <= ' ' || c >= 0x7f || c is '<' or '>' or '"' or '\\'))
            throw new ComposeException($"'{value}' in {field} is not a valid message id.");
        return id;
    }

    private static string OneLine(string value) =>
        new(value.Select(c => c is '\r' or '\n' or '\t' ? ' ' : c).Where(c => !char.IsControl(c)).ToArray());

    private static FormatOptions CreateFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }
}
