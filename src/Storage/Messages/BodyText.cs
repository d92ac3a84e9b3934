using System.Text;
using MimeKit;

namespace RestMail.Storage.Messages;

/// <summary>Plain text of a message body: text/plain parts, or the HTML parts converted when there are none.</summary>
internal static class BodyText
{
    /// <summary>The readable text of the body, at most <paramref name="maxChars"/> characters.</summary>
    public static string Of(MessageParts parts, int maxChars)
    {
        var sb = new StringBuilder();
        var useHtml = parts.Plain.Count == 0;
        foreach (var part in useHtml ? parts.Html : parts.Plain)
        {
            if (sb.Length >= maxChars)
                break;
            var text = SafeText(part);
            if (useHtml)
                text = HtmlText.ToPlainText(text, maxChars - sb.Length);
            text = text.Trim();
            if (text.Length == 0)
                continue;
            if (sb.Length > 0)
                sb.Append("\n\n");
            sb.Append(text);
        }
        return Truncate(sb.ToString(), maxChars);
    }

    /// <summary>The decoded text of a part; empty when its transfer encoding or charset is hopeless.</summary>
    public static string SafeText(TextPart part)
    {
        try
        {
            // TextPart.Text decodes the transfer encoding and applies the declared charset, falling back
            // to UTF-8 and then ISO-8859-1 when the charset is unknown or lies.
            return part.Text ?? "";
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or NotSupportedException or IOException)
        {
            return "";
        }
    }

    /// <summary>White space runs collapsed to one space, cut to about <paramref name="maxChars"/> characters.</summary>
    public static string Preview(string text, int maxChars)
    {
        var sb = new StringBuilder(Math.Min(text.Length, maxChars + 1));
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                space = sb.Length > 0;
                continue;
            }
            if (space)
                sb.Append(' ');
            space = false;
            sb.Append(c);
            if (sb.Length >= maxChars)
                break;
        }
        return Truncate(sb.ToString(), maxChars);
    }

    /// <summary>Cut to at most <paramref name="maxChars"/> without splitting a surrogate pair.</summary>
    public static string Truncate(string s, int maxChars)
    {
        if (s.Length <= maxChars)
            return s;
        var cut = maxChars;
        if (cut > 0 && char.IsHighSurrogate(s[cut - 1]))
            cut--;
        return s[..cut];
    }
}
