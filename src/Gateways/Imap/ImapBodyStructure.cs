using System.Text;
using MimeKit;
using MimeKit.Encodings;
using MimeKit.Utils;

namespace RestMail.Gateways.Imap;

/// <summary>
/// ENVELOPE and BODY/BODYSTRUCTURE (RFC 9051 §7.5.2) written from a parsed message. Sizes and line
/// counts are those of the encoded bodies in the raw bytes; header values are given as they appear
/// (encoded words stay encoded, the client decodes them).
/// </summary>
public static class ImapBodyStructure
{
    public static void WriteEnvelope(ImapResponseWriter output, MimeMessage? message)
    {
        if (message is null)
        {
            output.Raw("(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
            return;
        }
        var headers = message.Headers;
        output.Raw("(");
        output.NString(RawValue(headers, HeaderId.Date)).Raw(" ");
        output.NString(RawValue(headers, HeaderId.Subject)).Raw(" ");
        var from = message.From;
        WriteAddresses(output, from);
        output.Raw(" ");
        // RFC 9051 §7.5.2: sender and reply-to default to from.
        WriteAddresses(output, message.Sender is { } sender ? [sender] : from);
        output.Raw(" ");
        WriteAddresses(output, message.ReplyTo.Count > 0 ? message.ReplyTo : from);
        output.Raw(" ");
        WriteAddresses(output, message.To);
        output.Raw(" ");
        WriteAddresses(output, message.Cc);
        output.Raw(" ");
        WriteAddresses(output, message.Bcc);
        output.Raw(" ");
        output.NString(RawValue(headers, HeaderId.InReplyTo)).Raw(" ");
        output.NString(RawValue(headers, HeaderId.MessageId));
        output.Raw(")");
    }

    /// <summary>A header's value as it appears, unfolded; null when absent.</summary>
    private static string? RawValue(HeaderList headers, HeaderId id)
    {
        var index = headers.IndexOf(id);
        if (index < 0)
            return null;
        var value = Encoding.UTF8.GetString(headers[index].RawValue);
        return value.Replace("\r\n", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Trim();
    }

    private static void WriteAddresses(ImapResponseWriter output, IEnumerable<InternetAddress> addresses)
    {
        var list = addresses.ToList();
        if (list.Count == 0)
        {
            output.Raw("NIL");
            return;
        }
        output.Raw("(");
        foreach (var address in list)
            WriteAddress(output, address);
        output.Raw(")");
    }

    /// <summary>address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"; groups as RFC 9051 §7.5.2 says.</summary>
    private static void WriteAddress(ImapResponseWriter output, InternetAddress address)
    {
        if (address is GroupAddress group)
        {
            output.Raw("(NIL NIL ").NString(group.Name is null ? null : Phrase(group.Name)).Raw(" NIL)");
            foreach (var member in group.Members)
                WriteAddress(output, member);
            output.Raw("(NIL NIL NIL NIL)");
            return;
        }
        var mailbox = (MailboxAddress)address;
        var at = mailbox.Address.LastIndexOf('@');
        var local = at < 0 ? mailbox.Address : mailbox.Address[..at];
        string? host = at < 0 ? null : mailbox.Address[(at + 1)..];
        output.Raw("(").NString(string.IsNullOrEmpty(mailbox.Name) ? null : Phrase(mailbox.Name)).Raw(" NIL ").NString(local).Raw(" ").NString(host).Raw(")");
    }

    /// <summary>Display names with non-ASCII characters go back into encoded words (RFC 2047), as they most likely came.</summary>
    private static string Phrase(string name) =>
        name.All(c => c < 0x80) ? name : Rfc2047.EncodePhrase(Encoding.UTF8, name).Aggregate(new StringBuilder(), (b, c) => b.Append((char)c)).ToString();

    /// <summary>BODYSTRUCTURE (extensible) or BODY (without extension data).</summary>
    public static void WriteBody(ImapResponseWriter output, ImapParsedMessage parsed, bool extensible)
    {
        if (parsed.Message?.Body is not { } body)
        {
            var lines = CountLines(parsed.Raw.Span);
            output.Raw("(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" ").Number(parsed.Raw.Length).Raw(" ").Number(lines).Raw(")");
            return;
        }
        WriteEntity(output, parsed, body, extensible, 0);
    }

    private static void WriteEntity(ImapResponseWriter output, ImapParsedMessage parsed, MimeEntity entity, bool extensible, int depth)
    {
        var type = entity.ContentType;
        if (entity is Multipart multipart && depth < 32)
        {
            output.Raw("(");
            if (multipart.Count == 0)
                output.Raw("(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)");
            foreach (var child in multipart)
                WriteEntity(output, parsed, child, extensible, depth + 1);
            output.Raw(" ").Text(type.MediaSubtype.ToLowerInvariant());
            if (extensible)
            {
                output.Raw(" ");
                WriteParameters(output, type.Parameters);
                output.Raw(" ");
                WriteExtension(output, entity);
            }
            output.Raw(")");
            return;
        }

        var (_, headersEnd, end) = parsed.RangeOf(entity);
        var bodyBytes = parsed.Slice(headersEnd, end).Span;
        output.Raw("(").Text(type.MediaType.ToLowerInvariant()).Raw(" ").Text(type.MediaSubtype.ToLowerInvariant()).Raw(" ");
        WriteParameters(output, type.Parameters, type.IsMimeType("text", "*") ? "us-ascii" : null);
        output.Raw(" ").NString(HeaderValue(entity, HeaderId.ContentId));
        output.Raw(" ").NString(HeaderValue(entity, HeaderId.ContentDescription));
        output.Raw(" ").Text(HeaderValue(entity, HeaderId.ContentTransferEncoding)?.ToLowerInvariant() ?? "7bit");
        output.Raw(" ").Number(bodyBytes.Length);
        if (entity is MessagePart { Message: { } embedded } && type.IsMimeType("message", "rfc822"))
        {
            output.Raw(" ");
            WriteEnvelope(output, embedded);
            output.Raw(" ");
            if (embedded.Body is { } embeddedBody && depth < 32)
                WriteEntity(output, parsed, embeddedBody, extensible, depth + 1);
            else
                output.Raw("(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)");
            output.Raw(" ").Number(CountLines(bodyBytes));
        }
        else if (type.IsMimeType("text", "*"))
        {
            output.Raw(" ").Number(CountLines(bodyBytes));
        }
        if (extensible)
        {
            // body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
            output.Raw(" ").NString(HeaderValue(entity, HeaderId.ContentMd5)).Raw(" ");
            WriteExtension(output, entity);
        }
        output.Raw(")");
    }

    /// <summary>body-fld-dsp SP body-fld-lang SP body-fld-loc.</summary>
    private static void WriteExtension(ImapResponseWriter output, MimeEntity entity)
    {
        if (entity.ContentDisposition is { } disposition)
        {
            output.Raw("(").Text(disposition.Disposition.ToLowerInvariant()).Raw(" ");
            WriteParameters(output, disposition.Parameters);
            output.Raw(")");
        }
        else
        {
            output.Raw("NIL");
        }
        var language = HeaderValue(entity, HeaderId.ContentLanguage);
        output.Raw(" ").NString(language);
        output.Raw(" ").NString(HeaderValue(entity, HeaderId.ContentLocation));
    }

    private static void WriteParameters(ImapResponseWriter output, ParameterList parameters, string? defaultCharset = null)
    {
        var pairs = parameters.Select(p => (p.Name.ToLowerInvariant(), p.Value)).ToList();
        if (defaultCharset is not null && !pairs.Any(p => p.Item1 == "charset"))
            pairs.Insert(0, ("charset", defaultCharset));
        if (pairs.Count == 0)
        {
            output.Raw("NIL");
            return;
        }
        output.Raw("(");
        for (var i = 0; i < pairs.Count; i++)
        {
            if (i > 0)
                output.Raw(" ");
            output.Text(pairs[i].Item1).Raw(" ").Text(pairs[i].Value ?? "");
        }
        output.Raw(")");
    }

    private static string? HeaderValue(MimeEntity entity, HeaderId id)
    {
        var value = entity.Headers[id];
        return value is null ? null : value.Trim();
    }

    /// <summary>
    /// Whether the part's Content-Transfer-Encoding is one this server cannot undo (RFC 3516 §4.3
    /// UNKNOWN-CTE). MimeKit reads a token it does not know as the default, so the header decides.
    /// </summary>
    public static bool HasUnknownEncoding(MimePart part)
    {
        var header = HeaderValue(part, HeaderId.ContentTransferEncoding);
        return header is not null && !KnownEncodings.Contains(header, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>RFC 2045 §6.1 encodings, and uuencode (MimeKit decodes it).</summary>
    private static readonly string[] KnownEncodings = ["7bit", "8bit", "binary", "base64", "quoted-printable", "x-uuencode", "uuencode", "x-uue"];

    private static long CountLines(ReadOnlySpan<byte> bytes)
    {
        var lines = bytes.Count((byte)'\n');
        // A last line without its line ending still counts.
        return bytes.Length > 0 && bytes[^1] != (byte)'\n' ? lines + 1 : lines;
    }

    /// <summary>The decoded content of a leaf part (RFC 3516 BINARY), or null when its encoding is unknown.</summary>
    public static byte[]? Decode(MimeEntity entity)
    {
        if (entity is not MimePart part || part.Content is null || HasUnknownEncoding(part))
            return null;
        using var decoded = new MemoryStream();
        part.Content.DecodeTo(decoded);
        return decoded.ToArray();
    }
}
