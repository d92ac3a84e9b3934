using MimeKit;

namespace RestMail.Gateways.Imap;

/// <summary>
/// RFC 9051 §6.4.4 text keys with their substring semantics: the needle must occur, case-insensitively
/// (<see cref="ImapSearchText.Fold"/>), in the decoded text. SUBJECT, FROM, TO, CC and BCC are HEADER
/// with that field name; each header field is compared by its value unfolded and with RFC 2047
/// encoded-words decoded (MimeKit's <see cref="Header.Value"/>). BODY looks in the decoded content of
/// every text/* part (transfer encoding and charset undone); TEXT in the header fields and the body.
/// </summary>
/// <remarks>
/// Answered two ways with the same result: from the folded text kept in PostgreSQL, when
/// <see cref="Matching"/> was filled before the pass (<see cref="ImapSearchText"/>), or by parsing
/// the message.
/// </remarks>
internal sealed class ImapTextSearchKey : ImapSearchKey
{
    private readonly string? _field;
    private readonly bool _headers;
    private readonly bool _body;
    private readonly string _needle;
    private readonly string _folded;

    private ImapTextSearchKey(string? field, bool headers, bool body, string needle)
    {
        _field = field;
        _headers = headers;
        _body = body;
        _needle = needle;
        _folded = ImapSearchText.Fold(needle);
    }

    public static ImapTextSearchKey Header(string field, string needle) => new(field, headers: true, body: false, needle);

    public static ImapTextSearchKey Body(string needle) => new(null, headers: false, body: true, needle);

    public static ImapTextSearchKey Text(string needle) => new(null, headers: true, body: true, needle);

    /// <summary>Whether the stored text can answer this key exactly.</summary>
    public bool IsIndexable => ImapSearchText.IsIndexable(_needle) && (_field is null || ImapSearchText.IsIndexable(_field));

    /// <summary>The query on the stored text: which columns, and a LIKE pattern or (for one field) a regular expression.</summary>
    public (bool Headers, bool Body, string? Like, string? Regex) Query =>
        _field is null ? (_headers, _body, ImapSearchText.LikeContains(_needle), null) : (true, false, null, ImapSearchText.HeaderRegex(_field, _needle));

    /// <summary>
    /// The ids of the matching messages among all candidates of this search, when the stored text
    /// answered; null until then (the key then needs the content).
    /// </summary>
    public IReadOnlySet<long>? Matching { get; set; }

    public override bool? Matches(ImapSearchCandidate candidate)
    {
        if (Matching is { } matching)
            return matching.Contains(candidate.Message.Id);
        if (!candidate.ContentLoaded)
            return null;
        if (candidate.Content is not { } message)
        {
            // Unparseable: the stored bytes are all there is (a text/plain body for FETCH too).
            return _field is null && Contains(candidate.RawText);
        }
        if (_headers && HeadersMatch(message.Headers))
            return true;
        return _body && message.BodyParts.OfType<TextPart>().Any(part => Contains(ImapSearchText.SafeText(part)));
    }

    private bool HeadersMatch(HeaderList headers)
    {
        var field = _field is null ? null : ImapSearchText.Fold(_field);
        foreach (var header in headers)
        {
            if (field is null)
            {
                if (Contains(header.Field) || Contains(header.Value))
                    return true;
            }
            else if (ImapSearchText.Fold(header.Field) == field)
            {
                // RFC 3501 §6.4.4: an empty string matches every message that has the field at all.
                if (_needle.Length == 0 || Contains(header.Value))
                    return true;
            }
        }
        return false;
    }

    private bool Contains(string? haystack) => haystack is not null && ImapSearchText.Fold(haystack).Contains(_folded, StringComparison.Ordinal);

    public override void CollectTextKeys(List<ImapTextSearchKey> found) => found.Add(this);
}
