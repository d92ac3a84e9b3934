using System.Globalization;

namespace RestMail.Storage.MailAuth;

/// <summary>
/// Organizational domains (RFC 7489 §3.2) from the Public Suffix List (https://publicsuffix.org/list/),
/// as installed by Debian's "publicsuffix" package. Without the file the organizational domain is
/// simply the last two labels, which is wrong for suffixes like "co.uk" (relaxed alignment is then
/// looser there) but right for most domains.
/// </summary>
public sealed class PublicSuffixList
{
    public const string DefaultPath = "/usr/share/publicsuffix/public_suffix_list.dat";

    private static readonly IdnMapping Idn = new();
    private readonly HashSet<string> _rules = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _wildcards = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _exceptions = new(StringComparer.OrdinalIgnoreCase);

    private PublicSuffixList(IEnumerable<string> lines)
    {
        foreach (var raw in lines)
        {
            // Each rule is the first whitespace-delimited word of its line; "//" starts a comment.
            var line = raw.Split([' ', '\t'], 2)[0].Trim();
            if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal))
                continue;
            line = ToAscii(line);
            if (line.StartsWith('!'))
                _exceptions.Add(line[1..]);
            else if (line.StartsWith("*.", StringComparison.Ordinal))
                _wildcards.Add(line[2..]);
            else
                _rules.Add(line);
        }
    }

    /// <summary>True when the list came from a file; false for the last-two-labels fallback.</summary>
    public bool IsLoaded => _rules.Count > 0;

    /// <summary>Reads the list at <paramref name="path"/>; an empty list (the fallback) when there is no such file.</summary>
    public static PublicSuffixList Load(string path) =>
        new(File.Exists(path) ? File.ReadLines(path) : []);

    /// <summary>A list from rule lines, in the file's format (for tests).</summary>
    public static PublicSuffixList FromRules(IEnumerable<string> rules) => new(rules);

    /// <summary>The organizational domain: the public suffix plus one label; a public suffix itself is its own.</summary>
    public string OrganizationalDomain(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var labels = domain.TrimEnd('.').ToLowerInvariant().Split('.');
        var suffixLabels = IsLoaded ? SuffixLabelCount(labels) : 1;
        var take = Math.Min(labels.Length, suffixLabels + 1);
        return string.Join('.', labels[^take..]);
    }

    /// <summary>How many labels on the right form the public suffix (the PSL algorithm: exception rules first, then the longest rule; "*" by default).</summary>
    private int SuffixLabelCount(string[] labels)
    {
        for (var i = 0; i < labels.Length; i++)
        {
            var candidate = string.Join('.', labels[i..]);
            if (_exceptions.Contains(candidate))
                return labels.Length - i - 1;
            if (_rules.Contains(candidate))
                return labels.Length - i;
            if (i + 1 < labels.Length && _wildcards.Contains(string.Join('.', labels[(i + 1)..])))
                return labels.Length - i;
        }
        return 1;
    }

    /// <summary>The list holds internationalised names in Unicode; mail carries them as A-labels.</summary>
    private static string ToAscii(string rule)
    {
        if (rule.All(char.IsAscii))
            return rule;
        try
        {
            var prefix = rule.StartsWith('!') ? "!" : rule.StartsWith("*.", StringComparison.Ordinal) ? "*." : "";
            return prefix + Idn.GetAscii(rule[prefix.Length..]);
        }
        catch (ArgumentException)
        {
            return rule;
        }
    }
}
