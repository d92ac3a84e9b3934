using RestMail.Grains.Mailboxes;

namespace RestMail.Storage.Mail;

/// <summary>
/// The text PostgreSQL turns into a message's search vectors (0002_mail.sql): the small weighted
/// <c>headers</c> vector from the subject and addresses, written with the message; the all-text
/// <c>search</c> vector from those and the body, written by <see cref="SearchIndexer"/>.
/// </summary>
public static class SearchDocument
{
    /// <summary>The sender's name and address, the address also split at '@' so "from:alice" finds alice@example.org.</summary>
    public static string FromAddresses(MessageSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return Addresses(summary.FromName, [summary.FromAddress]);
    }

    /// <summary>The To and Cc addresses, whole and split at '@'.</summary>
    public static string ToAddresses(MessageSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return Addresses(null, [.. summary.To, .. summary.Cc]);
    }

    /// <summary>Everything bare words match: subject, addresses and the decoded body text.</summary>
    public static string AllText(MessageSummary summary, string bodyText)
    {
        ArgumentNullException.ThrowIfNull(summary);
        // PostgreSQL text cannot hold NUL, which a decoded body (=00 in quoted-printable) can.
        return string.Join(' ', summary.Subject ?? "", FromAddresses(summary), ToAddresses(summary), bodyText).Replace('\0', ' ');
    }

    private static string Addresses(string? name, IEnumerable<string?> addresses)
    {
        var parts = new List<string>();
        if (!string.IsNullOrEmpty(name))
            parts.Add(name);
        foreach (var address in addresses)
        {
            if (string.IsNullOrEmpty(address))
                continue;
            parts.Add(address);
            parts.Add(address.Replace('@', ' '));
        }
        return string.Join(' ', parts);
    }
}
