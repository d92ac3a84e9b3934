namespace RestMail.Api.Messages;

/// <summary>Keyword (label) names as IMAP can carry them: RFC 9051 flag-keyword is an atom.</summary>
internal static class Keywords
{
    public const int MaxLength = 100;

    public static string? Problem(IReadOnlyList<string>? keywords)
    {
        foreach (var keyword in keywords ?? [])
        {
            if (string.IsNullOrEmpty(keyword) || keyword.Length > MaxLength)
                return $"Keywords must be 1 to {MaxLength} characters.";
            if (keyword.StartsWith('\\') || keyword.Any(c => c <= ' ' || c >= 127 || "(){%*\"\\]".Contains(c, StringComparison.Ordinal)))
                return $"'{keyword}' is not a valid keyword: use printable ASCII without spaces or ( ) {{ % * \" \\ ].";
        }
        return null;
    }
}
