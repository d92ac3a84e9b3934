using System.Text;

namespace RestMail.Gateways.Imap;

/// <summary>
/// Mailbox names on the wire: modified UTF-7 (RFC 3501 §5.1.3) unless the client enabled UTF8=ACCEPT
/// (RFC 6855 §3), and INBOX, which is case-insensitive (RFC 9051 §5.1).
/// </summary>
public static class ImapMailboxNames
{
    public const char Delimiter = '/';

    public static bool IsInbox(string name) => name.Equals("INBOX", StringComparison.OrdinalIgnoreCase);

    public static string Encode(string name, bool utf8)
    {
        if (utf8)
            return name;
        var output = new StringBuilder();
        var pending = new StringBuilder();
        foreach (var c in name)
        {
            if (c is >= (char)0x20 and <= (char)0x7e)
            {
                Flush(output, pending);
                output.Append(c == '&' ? "&-" : c.ToString());
            }
            else
            {
                pending.Append(c);
            }
        }
        Flush(output, pending);
        return output.ToString();
    }

    private static void Flush(StringBuilder output, StringBuilder pending)
    {
        if (pending.Length == 0)
            return;
        var bytes = Encoding.BigEndianUnicode.GetBytes(pending.ToString());
        output.Append('&').Append(Convert.ToBase64String(bytes).TrimEnd('=').Replace('/', ',')).Append('-');
        pending.Clear();
    }

    /// <summary>Decodes a name the client sent; null when its modified UTF-7 is malformed.</summary>
    public static string? Decode(string name, bool utf8)
    {
        if (utf8 || !name.Contains('&', StringComparison.Ordinal))
            return name;
        var output = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] != '&')
            {
                output.Append(name[i]);
                continue;
            }
            var end = name.IndexOf('-', i + 1);
            if (end < 0)
                return null;
            if (end == i + 1)
            {
                output.Append('&');
                i = end;
                continue;
            }
            var base64 = name[(i + 1)..end].Replace(',', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            try
            {
                output.Append(Encoding.BigEndianUnicode.GetString(Convert.FromBase64String(base64)));
            }
            catch (FormatException)
            {
                return null;
            }
            i = end;
        }
        return output.ToString();
    }
}
