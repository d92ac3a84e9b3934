namespace RestMail.Grains.Mailboxes;

/// <summary>IMAP keywords (RFC 9051 §2.3.2 flag-keyword = atom): what may be stored as a label.</summary>
internal static class Keywords
{
    private const int MaxLength = 100;

    public static bool IsValid(string keyword) =>
        keyword.Length is > 0 and <= MaxLength
        && !keyword.StartsWith('\\')
        && keyword.All(c => c > ' ' && c < 0x7f && c is not ('(' or ')' or '{' or '%' or '*' or '"' or '\\' or ']'));

    /// <summary>Valid keywords, de-duplicated, in a stable order.</summary>
    public static string[] Normalize(IEnumerable<string> keywords) =>
        [.. keywords.Where(IsValid).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}
