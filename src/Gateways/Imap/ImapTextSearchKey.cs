using MimeKit;

namespace RestMail.Gateways.Imap;

/// <summary>
/// RFC 9051 §6.4.4 text keys with their substring semantics: the needle must occur, case-insensitively,
/// in the decoded text. SUBJECT, FROM, TO, CC and BCC are HEADER with that field name; each header
/// field is compared by its value unfolded and with RFC 2047 encoded-words decoded (MimeKit's
/// <see cref="Header.Value"/>). BODY looks in the decoded content of every text/* part (transfer
/// encoding and charset undone); TEXT in the header fields and the body.
/// </summary>
internal sealed class ImapTextSearchKey : ImapSearchKey
{
    private readonly string? _field;
    private readonly bool _headers;
    private readonly bool _body;
    private readonly string _needle;

    private ImapTextSearchKey(string? field, bool headers, bool body, string needle)
    {
        _field = field;
        _headers = headers;
        _body = body;
        _needle = needle;
    }

    public static ImapTextSearchKey Header(string field, string needle) => new(field, headers: true, body: false, needle);

    public static ImapTextSearchKey Body(string needle) => new(null, headers: false, body: true, needle);

    public static ImapTextSearchKey Text(string needle) => new(null, headers: true, body: true, needle);

    public override bool? Matches(ImapSearchCandidate candidate)
    {
        if (!candidate.ContentLoaded)
            return null;
        if (candidate.Content is not { } message)
        {
            // Unparseable: the stored bytes are all there is (a text/plain body for FETCH too).
            return _field is null && Contains(candidate.RawText);
        }
        if (_headers && HeadersMatch(message.Headers))
            return true;
        return _body && message.BodyParts.OfType<TextPart>().Any(part => Contains(SafeText(part)));
    }

    private bool HeadersMatch(HeaderList headers)
    {
        foreach (var header in headers)
        {
            if (_field is null)
            {
                if (Contains(header.Field) || Contains(header.Value))
                    return true;
            }
            else if (header.Field.Equals(_field, StringComparison.OrdinalIgnoreCase))
            {
                // RFC 3501 §6.4.4: an empty string matches every message that has the field at all.
                if (_needle.Length == 0 || Contains(header.Value))
                    return true;
            }
        }
        return false;
    }

    private bool Contains(string? haystack) => haystack is not null && haystack.Contains(_needle, StringComparison.OrdinalIgnoreCase);

    /// <summary>A part whose charset or encoding cannot be undone is searched as it can be read, not skipped.</summary>
    private static string SafeText(TextPart part)
    {
        try
        {
            return part.Text;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or FormatException)
        {
            return "";
        }
    }
}
