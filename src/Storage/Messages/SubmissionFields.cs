using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace RestMail.Storage.Messages;

/// <summary>
/// The header fields a message submission agent completes (RFC 6409 §8): a message submitted over
/// SMTP or the REST API without a Date (§8.2) or a Message-ID (§8.3) gets one, as Postfix's cleanup
/// does. Without a Message-ID many receivers refuse the mail outright; the sender's own fields are
/// never touched.
/// </summary>
public static class SubmissionFields
{
    /// <summary>The fields missing from the message's header section.</summary>
    /// <returns>Header lines to insert ("" when nothing is missing), and the Message-ID made (without
    /// angle brackets; null when the message had one).</returns>
    public static (string Fields, string? MessageId) Missing(ReadOnlySpan<byte> message, string hostname, DateTimeOffset now)
    {
        var (hasDate, hasMessageId) = Scan(message);
        var fields = new StringBuilder();
        if (!hasDate)
            fields.Append("Date: ").Append(Rfc5322Date(now)).Append("\r\n");
        string? messageId = null;
        if (!hasMessageId)
        {
            messageId = $"{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}@{hostname}";
            fields.Append(CultureInfo.InvariantCulture, $"Message-ID: <{messageId}>\r\n");
        }
        return (fields.ToString(), messageId);
    }

    /// <summary>RFC 5322 §3.3 date-time in UTC, e.g. "Mon, 07 Dec 2026 19:00:00 +0000".</summary>
    public static string Rfc5322Date(DateTimeOffset time) =>
        time.UtcDateTime.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture);

    /// <summary>Reads the header section only: up to the first empty line (RFC 5322 §2.1).</summary>
    private static (bool HasDate, bool HasMessageId) Scan(ReadOnlySpan<byte> message)
    {
        var (hasDate, hasMessageId) = (false, false);
        while (!message.IsEmpty)
        {
            var end = message.IndexOf((byte)'\n');
            var line = end < 0 ? message : message[..end];
            message = end < 0 ? [] : message[(end + 1)..];
            if (line.EndsWith("\r"u8))
                line = line[..^1];
            if (line.IsEmpty)
                break;
            // Continuation lines (RFC 5322 §2.2.3) and lines without a colon name no field.
            var colon = line.IndexOf((byte)':');
            if (line[0] is (byte)' ' or (byte)'\t' || colon <= 0)
                continue;
            // RFC 5322 §4.5.3 (obsolete syntax): white space may stand before the colon.
            var name = line[..colon].TrimEnd(" \t"u8);
            hasDate |= Ascii.EqualsIgnoreCase(name, "Date"u8);
            hasMessageId |= Ascii.EqualsIgnoreCase(name, "Message-ID"u8);
        }
        return (hasDate, hasMessageId);
    }
}
