using System.Text;
using MimeKit;

namespace RestMail.Gateways.Imap;

/// <summary>
/// What the SEARCH text keys look at, case-folded once and kept in PostgreSQL (imap_search_text,
/// 0008_imap_search.sql) so that a text key becomes one indexed query instead of reading and parsing
/// every message of the folder. The stored strings are built so that the query is exact, not a
/// candidate filter:
/// <list type="bullet">
/// <item>headers: "\u0001FIELD\u0002VALUE" per header field; body: "\u0001TEXT" per text part;</item>
/// <item>every piece is <see cref="Clean"/>ed (the two marks, NUL and lone surrogates become U+FFFD)
/// and <see cref="Fold"/>ed, as the needle is;</item>
/// <item>a needle without marks or U+FFFD can then only occur inside one piece, so "the folded text
/// contains the folded needle" says exactly whether one field name, one field value or one text part
/// contains it (RFC 9051 §6.4.4). Needles that fail <see cref="IsIndexable"/> take the parsing path.</item>
/// </list>
/// The same <see cref="Fold"/> and pieces decide on the parsing path (<see cref="ImapTextSearchKey"/>),
/// so both paths give the same answer by construction.
/// </summary>
internal static class ImapSearchText
{
    public const char FieldMark = '\u0001';
    public const char ValueMark = '\u0002';

    /// <summary>RFC 9051 §6.4.4 asks for case-insensitive matching; this is the one case mapping both paths use.</summary>
    public static string Fold(string text) => text.ToUpperInvariant();

    /// <summary>Whether a needle can be answered from the stored text (see the class remarks).</summary>
    public static bool IsIndexable(string needle)
    {
        if (needle.Length == 0)
            return false;
        foreach (var c in needle)
        {
            if (c is '\0' or FieldMark or ValueMark or '\uFFFD' || char.IsSurrogate(c))
                return false;
        }
        return true;
    }

    /// <summary>The marks, NUL (PostgreSQL text cannot hold it) and unpaired surrogates (UTF-8 cannot) as U+FFFD.</summary>
    public static string Clean(string text)
    {
        StringBuilder? clean = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var paired = char.IsHighSurrogate(c) ? i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])
                : !char.IsLowSurrogate(c) || (i > 0 && char.IsHighSurrogate(text[i - 1]));
            if (c is '\0' or FieldMark or ValueMark || !paired)
            {
                clean ??= new StringBuilder(text, 0, i, text.Length);
                clean.Append('\uFFFD');
            }
            else
            {
                clean?.Append(c);
            }
        }
        return clean?.ToString() ?? text;
    }

    /// <summary>The stored form of a message: its header fields and its text parts (or, unparseable, its raw text as the body).</summary>
    public static (string Headers, string Body) Build(MimeMessage? message, byte[] raw)
    {
        if (message is null)
            return ("", FieldMark + Fold(Clean(Encoding.UTF8.GetString(raw))));
        var headers = new StringBuilder();
        foreach (var header in message.Headers)
            headers.Append(FieldMark).Append(Fold(Clean(header.Field))).Append(ValueMark).Append(Fold(Clean(header.Value)));
        var body = new StringBuilder();
        foreach (var part in message.BodyParts.OfType<TextPart>())
            body.Append(FieldMark).Append(Fold(Clean(SafeText(part))));
        return (headers.ToString(), body.ToString());
    }

    /// <summary>A part whose charset or encoding cannot be undone is searched as it can be read, not skipped.</summary>
    public static string SafeText(TextPart part)
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

    /// <summary>A LIKE pattern (escape character \) for "contains the folded needle".</summary>
    public static string LikeContains(string needle)
    {
        var pattern = new StringBuilder("%");
        foreach (var c in Fold(needle))
        {
            if (c is '\\' or '%' or '_')
                pattern.Append('\\');
            pattern.Append(c);
        }
        return pattern.Append('%').ToString();
    }

    /// <summary>A PostgreSQL regular expression for "a header named <paramref name="field"/> whose value contains the needle".</summary>
    public static string HeaderRegex(string field, string needle) =>
        FieldMark + RegexLiteral(Fold(field)) + ValueMark + "[^" + FieldMark + ValueMark + "]*" + RegexLiteral(Fold(needle));

    /// <summary>ASCII punctuation escaped (a backslash before any non-alphanumeric is a literal in PostgreSQL's AREs).</summary>
    private static string RegexLiteral(string text)
    {
        var literal = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c < 0x80 && !char.IsAsciiLetterOrDigit(c))
                literal.Append('\\');
            literal.Append(c);
        }
        return literal.ToString();
    }
}
