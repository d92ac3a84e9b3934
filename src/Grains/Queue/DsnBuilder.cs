using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using RestMail.Storage.Queue;

namespace RestMail.Grains.Queue;

/// <summary>
/// Builds an RFC 3464 delivery status notification: multipart/report; report-type=delivery-status
/// with a human-readable part, the message/delivery-status part and the original headers as
/// text/rfc822-headers. A failure report (Action: failed) or, with a retry-until time, a delay
/// report (Action: delayed, Will-Retry-Until, RFC 3464 §2.3.3 and §2.3.9).
/// </summary>
internal static partial class DsnBuilder
{
    public static byte[] Build(
        string reportingMta, QueueEntry entry, IReadOnlyList<QueueRecipient> recipients, ReadOnlySpan<byte> original, DateTimeOffset now, DateTimeOffset? retryUntil = null)
    {
        var delayed = retryUntil is not null;
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Mail Delivery System", $"MAILER-DAEMON@{reportingMta}"));
        message.To.Add(MailboxAddress.Parse(entry.MailFrom));
        message.Subject = delayed ? "Delayed Mail (still being retried)" : "Undelivered Mail Returned to Sender";
        message.Date = now;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(reportingMta);
        message.Headers.Add("Auto-Submitted", "auto-replied");

        var report = new MultipartReport("delivery-status");
        var human = new StringBuilder();
        human.Append(CultureInfo.InvariantCulture, $"This is the mail system at {reportingMta}.\r\n\r\n");
        human.Append(delayed
            ? string.Create(CultureInfo.InvariantCulture, $"Your message has not been delivered to one or more recipients yet.\r\nThe mail system will keep trying until {MimeKit.Utils.DateUtils.FormatDate(retryUntil!.Value)}; you need not send it again.\r\n\r\n")
            : "Your message could not be delivered to one or more recipients.\r\n\r\n");
        foreach (var recipient in recipients)
            human.Append(CultureInfo.InvariantCulture, $"<{recipient.Address}>: {recipient.LastError}\r\n");
        report.Add(new TextPart("plain") { Text = human.ToString() });

        var status = new MessageDeliveryStatus();
        var perMessage = new HeaderList
        {
            { "Reporting-MTA", $"dns; {reportingMta}" },
            { "X-RestMail-Queue-ID", entry.Id.ToString(CultureInfo.InvariantCulture) },
            { "Arrival-Date", MimeKit.Utils.DateUtils.FormatDate(entry.CreatedAt) },
        };
        status.StatusGroups.Add(perMessage);
        foreach (var recipient in recipients)
        {
            var group = new HeaderList
            {
                { "Final-Recipient", $"rfc822; {recipient.Address}" },
                { "Action", delayed ? "delayed" : "failed" },
                { "Status", delayed ? DelayStatusOf(recipient.LastError) : StatusOf(recipient.LastError) },
            };
            if (recipient.LastError is { } error)
            {
                if (RemoteHost().Match(error) is { Success: true } remote)
                    group.Add("Remote-MTA", $"dns; {remote.Groups[1].Value}");
                // An SMTP reply is a Diagnostic-Code; our own reasons (DNS, expiry, admin) are not.
                if (SmtpReply().IsMatch(error))
                    group.Add("Diagnostic-Code", $"smtp; {error}");
                else
                    group.Add("X-RestMail-Diagnostic", error);
            }
            if (recipient.LastAttemptAt is { } at)
                group.Add("Last-Attempt-Date", MimeKit.Utils.DateUtils.FormatDate(at));
            if (retryUntil is { } until)
                group.Add("Will-Retry-Until", MimeKit.Utils.DateUtils.FormatDate(until));
            status.StatusGroups.Add(group);
        }
        report.Add(status);

        var headers = HeaderBytes(original);
        report.Add(new MimePart("text", "rfc822-headers")
        {
            Content = new MimeContent(new MemoryStream(headers)),
            ContentTransferEncoding = headers.Any(b => b > 127) ? ContentEncoding.EightBit : ContentEncoding.SevenBit,
        });
        message.Body = report;

        using var output = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        message.WriteTo(format, output);
        return output.ToArray();
    }

    /// <summary>The RFC 3463 status code in an error text ("550 5.1.1 ..."), or a generic one.</summary>
    internal static string StatusOf(string? error)
    {
        if (error is not null && EnhancedStatus().Match(error) is { Success: true } match && match.Value[0] != '2')
            return match.Value;
        if (error is not null && SmtpReply().Match(error) is { Success: true } reply)
            return reply.Value[0] == '4' ? "4.0.0" : "5.0.0";
        return "5.0.0";
    }

    /// <summary>A delayed recipient's status is transient (4.x.x) whatever its last error said.</summary>
    internal static string DelayStatusOf(string? error)
    {
        var status = StatusOf(error);
        return status[0] == '4' ? status : "4.0.0";
    }

    /// <summary>The header section of a raw message, up to and including the blank line.</summary>
    private static byte[] HeaderBytes(ReadOnlySpan<byte> raw)
    {
        var end = raw.IndexOf("\r\n\r\n"u8);
        return end < 0 ? raw.ToArray() : raw[..(end + 2)].ToArray();
    }

    [GeneratedRegex(@"\b[245]\.\d{1,3}\.\d{1,3}\b")]
    private static partial Regex EnhancedStatus();

    /// <summary>The "(host[address])" SmtpSender appends to a remote server's reply.</summary>
    [GeneratedRegex(@"\(([^\s()\[\]]+)\[[^\]]*\]\)$")]
    private static partial Regex RemoteHost();

    [GeneratedRegex(@"^[245]\d\d\b")]
    private static partial Regex SmtpReply();
}
