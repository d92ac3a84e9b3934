using System.Text;

namespace RestMail.Gateways.Imap;

/// <summary>
/// RFC 5256 §2.1 base subject, for SORT SUBJECT and THREAD: "Re:", "Fw:", "Fwd:" leaders, "[blob]"
/// prefixes, "(fwd)" trailers and a "[fwd: ...]" wrapper removed; whitespace collapsed; ASCII upper
/// case so that comparison is i;ascii-casemap (RFC 4790 §9.2).
/// </summary>
internal static class ImapBaseSubject
{
    public static string Of(string? subject) => Extract(subject ?? "", out _);

    /// <summary>The base subject, and whether anything was removed that marks a reply or forward (RFC 5256 §2.1 step 6 note).</summary>
    public static string Extract(string subject, out bool isReplyOrForward)
    {
        isReplyOrForward = false;
        var text = Collapse(subject);
        while (true)
        {
            // (2) trailing "(fwd)" and whitespace.
            while (true)
            {
                var trimmed = text.TrimEnd();
                if (trimmed.EndsWith("(FWD)", StringComparison.Ordinal))
                {
                    text = trimmed[..^5];
                    isReplyOrForward = true;
                    continue;
                }
                text = trimmed;
                break;
            }
            // (3)-(5) leaders and blobs, until nothing changes.
            string before;
            do
            {
                before = text;
                text = text.TrimStart();
                if (RemoveLeader(ref text))
                    isReplyOrForward = true;
                var blob = BlobLength(text);
                if (blob > 0 && text[blob..].Trim().Length > 0)
                    text = text[blob..];
            }
            while (text != before);
            // (6) "[fwd: ...]" wrapper.
            if (text.StartsWith("[FWD:", StringComparison.Ordinal) && text.EndsWith(']'))
            {
                text = text[5..^1];
                isReplyOrForward = true;
                continue;
            }
            return text;
        }
    }

    /// <summary>subj-leader = (*subj-blob subj-refwd) / WSP; subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":".</summary>
    private static bool RemoveLeader(ref string text)
    {
        var position = 0;
        while (BlobLength(text[position..]) is > 0 and var blob)
            position += blob;
        string[] words = ["RE", "FWD", "FW"];
        foreach (var word in words)
        {
            if (!text.AsSpan(position).StartsWith(word, StringComparison.Ordinal))
                continue;
            var after = position + word.Length;
            while (after < text.Length && text[after] == ' ')
                after++;
            after += BlobLength(text[after..]);
            if (after < text.Length && text[after] == ':')
            {
                text = text[(after + 1)..];
                return true;
            }
        }
        return false;
    }

    /// <summary>subj-blob = "[" *BLOBCHAR "]" *WSP; its length at the start of <paramref name="text"/>, or 0.</summary>
    private static int BlobLength(string text)
    {
        if (text.Length == 0 || text[0] != '[')
            return 0;
        var close = text.IndexOfAny(['[', ']'], 1);
        if (close < 0 || text[close] != ']')
            return 0;
        var end = close + 1;
        while (end < text.Length && text[end] == ' ')
            end++;
        return end;
    }

    /// <summary>Tabs and runs of white space become one space; ASCII letters upper case.</summary>
    private static string Collapse(string subject)
    {
        var builder = new StringBuilder(subject.Length);
        var space = false;
        foreach (var c in subject)
        {
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                space = true;
                continue;
            }
            if (space && builder.Length > 0)
                builder.Append(' ');
            space = false;
            builder.Append(c is >= 'a' and <= 'z' ? (char)(c - 32) : c);
        }
        return builder.ToString();
    }
}
