using System.Globalization;
using System.Text;
using RestMail.Grains.Mailboxes;

namespace RestMail.Storage.Mail;

/// <summary>
/// A parsed search expression, Gmail-like: bare words and "quoted phrases" match anywhere;
/// from:, to:, subject:, body: restrict to a field; in:NAME / folder:ID pick a folder;
/// has:attachment; is:unread|read|flagged|unflagged|answered|draft; keyword:/label:;
/// before:/after: take yyyy-MM-dd dates (after is inclusive, before exclusive).
/// </summary>
public sealed record SearchQuery
{
    /// <summary>
    /// Full-text terms with the weights they must match in the headers vector (A subject, B from,
    /// C to/cc); an empty weight means anywhere, in the all-text vector.
    /// </summary>
    public List<(string Text, string Weights)> Terms { get; } = [];
    public string? FolderName { get; set; }
    public long? FolderId { get; set; }
    public bool? HasAttachments { get; set; }
    public MessageFlags FlagsSet { get; set; }
    public MessageFlags FlagsClear { get; set; }
    public List<string> Keywords { get; } = [];
    public DateTimeOffset? Before { get; set; }
    public DateTimeOffset? After { get; set; }

    public static SearchQuery Parse(string? text)
    {
        var query = new SearchQuery();
        foreach (var token in Tokenize(text ?? ""))
            query.Apply(token);
        return query;
    }

    private void Apply(string token)
    {
        var colon = token.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == token.Length - 1)
        {
            Terms.Add((token, ""));
            return;
        }

        var value = token[(colon + 1)..];
        switch (token[..colon].ToLowerInvariant())
        {
            case "from": Terms.Add((value, "B")); break;
            case "to": Terms.Add((value, "C")); break;
            case "subject": Terms.Add((value, "A")); break;
            case "body": Terms.Add((value, "")); break; // the all-text vector; headers count too
            case "in": FolderName = value; break;
            case "folder":
                FolderId = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                    ? id : throw new InvalidQueryException($"folder: takes a folder id, not '{value}'.");
                break;
            case "has":
                HasAttachments = value.ToLowerInvariant() is "attachment" or "attachments"
                    ? true : throw new InvalidQueryException($"Unknown has:{value}; use has:attachment.");
                break;
            case "is": ApplyIs(value.ToLowerInvariant()); break;
            case "keyword" or "label": Keywords.Add(value); break;
            case "before": Before = ParseDate(value, "before"); break;
            case "after": After = ParseDate(value, "after"); break;
            default: Terms.Add((token, "")); break; // "re:" or a URL: just words
        }
    }

    private void ApplyIs(string value)
    {
        switch (value)
        {
            case "unread": FlagsClear |= MessageFlags.Seen; break;
            case "read": FlagsSet |= MessageFlags.Seen; break;
            case "flagged" or "starred": FlagsSet |= MessageFlags.Flagged; break;
            case "unflagged": FlagsClear |= MessageFlags.Flagged; break;
            case "answered": FlagsSet |= MessageFlags.Answered; break;
            case "draft": FlagsSet |= MessageFlags.Draft; break;
            case "deleted": FlagsSet |= MessageFlags.Deleted; break;
            default: throw new InvalidQueryException($"Unknown is:{value}; use unread, read, flagged, unflagged, answered, draft or deleted.");
        }
    }

    private static DateTimeOffset ParseDate(string value, string name) =>
        DateTimeOffset.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? date
            : throw new InvalidQueryException($"{name}: takes a date as yyyy-MM-dd, not '{value}'.");

    /// <summary>Splits on spaces, keeping "quoted phrases" (also after a prefix: subject:"two words") together.</summary>
    private static IEnumerable<string> Tokenize(string text)
    {
        var current = new StringBuilder();
        var quoted = false;
        foreach (var c in text)
        {
            if (c == '"')
            {
                quoted = !quoted;
                continue;
            }
            if (char.IsWhiteSpace(c) && !quoted)
            {
                if (current.Length > 0)
                    yield return current.ToString();
                current.Clear();
                continue;
            }
            current.Append(c);
        }
        if (quoted)
            throw new InvalidQueryException("A quoted phrase is not closed.");
        if (current.Length > 0)
            yield return current.ToString();
    }
}
