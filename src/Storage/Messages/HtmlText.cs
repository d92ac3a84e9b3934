using System.Text;
using MimeKit.Text;

namespace RestMail.Storage.Messages;

/// <summary>
/// Turns an HTML body into readable plain text for previews, search and the text view.
/// MimeKit does the tokenising (and character-reference decoding); this class only decides which
/// text is visible and where lines break.
/// </summary>
internal static class HtmlText
{
    /// <summary>Convert <paramref name="html"/> to text, stopping once roughly <paramref name="maxChars"/> are produced.</summary>
    public static string ToPlainText(string html, int maxChars = int.MaxValue)
    {
        var sb = new StringBuilder(Math.Min(html.Length, 4096));
        var hidden = 0;
        var pendingSpace = false;

        using var reader = new StringReader(html);
        var tokenizer = new HtmlTokenizer(reader);
        while (sb.Length < maxChars && tokenizer.ReadNextToken(out var token))
        {
            switch (token)
            {
                case HtmlTagToken tag when IsHidden(tag.Id):
                    // Script, style and head content is never visible text. Self-closing forms do not nest.
                    if (tag.IsEndTag)
                        hidden = Math.Max(0, hidden - 1);
                    else if (!tag.IsEmptyElement)
                        hidden++;
                    break;
                case HtmlTagToken tag when tag.Id == HtmlTagId.Br || (tag.Id == HtmlTagId.HR && !tag.IsEndTag):
                    TrimTrailingSpaces(sb);
                    sb.Append('\n');
                    pendingSpace = false;
                    break;
                case HtmlTagToken tag when tag.Id == HtmlTagId.LI && !tag.IsEndTag:
                    EnsureLineStart(sb);
                    sb.Append("- ");
                    pendingSpace = false;
                    break;
                case HtmlTagToken tag when IsParagraph(tag.Id):
                    // Paragraphs and headings are separated by a blank line, as browsers render their margins.
                    EnsureLineStart(sb);
                    if (sb.Length > 1 && sb[^2] != '\n')
                        sb.Append('\n');
                    pendingSpace = false;
                    break;
                case HtmlTagToken tag when IsBlock(tag.Id):
                    EnsureLineStart(sb);
                    pendingSpace = false;
                    break;
                case HtmlTagToken tag when tag.Id is HtmlTagId.TD or HtmlTagId.TH && !tag.IsEndTag:
                    pendingSpace = sb.Length > 0 && sb[^1] != '\n';
                    break;
                case HtmlDataToken data when hidden == 0 && token.Kind is HtmlTokenKind.Data or HtmlTokenKind.CData:
                    AppendCollapsed(sb, data.Data, ref pendingSpace);
                    break;
            }
        }

        return Tidy(sb);
    }

    private static bool IsHidden(HtmlTagId id) =>
        id is HtmlTagId.Script or HtmlTagId.Style or HtmlTagId.Head or HtmlTagId.Title;

    private static bool IsParagraph(HtmlTagId id) =>
        id is HtmlTagId.P or HtmlTagId.BlockQuote or HtmlTagId.Pre or HtmlTagId.Table
            or HtmlTagId.H1 or HtmlTagId.H2 or HtmlTagId.H3 or HtmlTagId.H4 or HtmlTagId.H5 or HtmlTagId.H6;

    private static bool IsBlock(HtmlTagId id) =>
        id is HtmlTagId.Div or HtmlTagId.TR or HtmlTagId.UL or HtmlTagId.OL or HtmlTagId.DL or HtmlTagId.DT
            or HtmlTagId.DD or HtmlTagId.Address or HtmlTagId.Center;

    private static void EnsureLineStart(StringBuilder sb)
    {
        TrimTrailingSpaces(sb);
        if (sb.Length > 0 && sb[^1] != '\n')
            sb.Append('\n');
    }

    // HTML rendering collapses runs of white space in text to one space (HTML §"white-space: normal").
    private static void AppendCollapsed(StringBuilder sb, string data, ref bool pendingSpace)
    {
        foreach (var c in data)
        {
            if (char.IsWhiteSpace(c) || c == '\u00a0')
            {
                pendingSpace = true;
                continue;
            }
            if (pendingSpace && sb.Length > 0 && sb[^1] != '\n')
                sb.Append(' ');
            pendingSpace = false;
            sb.Append(c);
        }
    }

    private static void TrimTrailingSpaces(StringBuilder sb)
    {
        while (sb.Length > 0 && sb[^1] == ' ')
            sb.Length--;
    }

    // At most one blank line in a row; no leading or trailing blank lines.
    private static string Tidy(StringBuilder sb)
    {
        var lines = sb.ToString().Split('\n');
        var result = new StringBuilder(sb.Length);
        var blank = 0;
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0)
            {
                blank++;
                continue;
            }
            if (result.Length > 0)
                result.Append(blank > 0 ? "\n\n" : "\n");
            blank = 0;
            result.Append(line);
        }
        return result.ToString();
    }
}
