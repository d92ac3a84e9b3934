using RestMail.Grains.Mailboxes;

namespace RestMail.Api.Messages;

/// <summary>System flags in JSON: lower-case names ("seen", "answered", "flagged", "deleted", "draft").</summary>
internal static class MessageFlagNames
{
    private static readonly MessageFlags[] All = [MessageFlags.Seen, MessageFlags.Answered, MessageFlags.Flagged, MessageFlags.Deleted, MessageFlags.Draft];

    public static IReadOnlyList<string> ToNames(MessageFlags flags) =>
        [.. All.Where(f => flags.HasFlag(f)).Select(f => f.ToString().ToLowerInvariant())];

    /// <summary>Parses names (case-insensitive, an optional IMAP backslash allowed); false names the first unknown one.</summary>
    public static bool TryParse(IEnumerable<string>? names, out MessageFlags flags, out string? unknown)
    {
        flags = MessageFlags.None;
        unknown = null;
        foreach (var name in names ?? [])
        {
            var bare = name.TrimStart('\\');
            var match = All.FirstOrDefault(f => string.Equals(f.ToString(), bare, StringComparison.OrdinalIgnoreCase));
            if (match == MessageFlags.None)
            {
                unknown = name;
                return false;
            }
            flags |= match;
        }
        return true;
    }
}
