namespace RestMail.Storage.MailAuth;

/// <summary>A tag=value list (RFC 6376 §3.2, also used by DMARC records, RFC 7489 §6.4).</summary>
public static class TagList
{
    /// <summary>Tag names to values, trimmed, with folding whitespace (CR, LF, tab) dropped; the first of a repeated tag wins.</summary>
    public static Dictionary<string, string> Parse(string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in list.Split(';'))
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
                continue;
            var name = item[..equals].Trim();
            var value = string.Concat(item[(equals + 1)..].Where(c => !char.IsWhiteSpace(c) || c == ' ')).Trim();
            tags.TryAdd(name, value);
        }
        return tags;
    }
}
