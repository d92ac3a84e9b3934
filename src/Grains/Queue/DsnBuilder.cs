using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using RestMail.Storage.Queue;

namespace RestMail.Grains.Queue;

/// <summary>
/// Builds an RFC 3464 delivery status notification: multipart/report; report-type=delivery-status
/// with a human-readable part, the message/delivery-status part and the original message: its
/// header as text/rfc822-headers, or all of it as message/rfc822 when the sender asked for RET=FULL
/// and the report is of a failure (RFC 3461 §4.3: other reports carry the header only).
/// </summary>
internal static partial class DsnBuilder
{
    public static byte[] Build(string reportingMta, DsnReport report, ReadOnlySpan<byte> original, DateTimeOffset now)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Mail Delivery System", $"MAILER-DAEMON@{reportingMta}"));
        message.To.Add(MailboxAddress.Parse(report.Sender));
        message.Subject = report.Action switch
        {
            DsnAction.Delayed => "Delayed Mail (still being retried)",
            DsnAction.Delivered => "Successful Mail Delivery Report",
            DsnAction.Relayed => "Relayed Mail Report",
            _ => "Undelivered Mail Returned to Sender",
        };
        message.Date = now;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(reportingMta);
        message.Headers.Add("Auto-Submitted", "auto-replied");

        var multipart = new MultipartReport("delivery-status");
        multipart.Add(new TextPart("plain") { Text = HumanReadable(reportingMta, report) });
        multipart.Add(DeliveryStatus(reportingMta, report));
        multipart.Add(report.ReturnFullMessage && report.Action == DsnAction.Failed ? WholeMessage(original) : HeaderSection(original));
        message.Body = multipart;

        using var output = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        message.WriteTo(format, output);
        return output.ToArray();
    }

    private static string HumanReadable(string reportingMta, DsnReport report)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"This is the mail system at {reportingMta}.\r\n\r\n");
        text.Append(report.Action switch
        {
            DsnAction.Delayed => string.Create(CultureInfo.InvariantCulture,
                $"Your message has not been delivered to one or more recipients yet.\r\nThe mail system will keep trying until {MimeKit.Utils.DateUtils.FormatDate(report.RetryUntil!.Value)}; you need not send it again.\r\n\r\n"),
            DsnAction.Delivered => "Your message was delivered to the following recipients, as you asked to be told.\r\n\r\n",
            DsnAction.Relayed => "Your message was passed on to mail systems that will not report its delivery, as you asked to be told.\r\n\r\n",
            _ => "Your message could not be delivered to one or more recipients.\r\n\r\n",
        });
        foreach (var recipient in report.Recipients)
            text.Append(CultureInfo.InvariantCulture, $"<{recipient.Address}>: {recipient.Detail}\r\n");
        return text.ToString();
    }

    /// <summary>The per-message fields, then one group per recipient (RFC 3464 §2.2, §2.3).</summary>
    private static MessageDeliveryStatus DeliveryStatus(string reportingMta, DsnReport report)
    {
        var status = new MessageDeliveryStatus();
        var perMessage = new HeaderList();
        if (report.EnvelopeId is { } envelopeId)
            perMessage.Add("Original-Envelope-Id", envelopeId);
        perMessage.Add("Reporting-MTA", $"dns; {reportingMta}");
        if (report.QueueId is { } queueId)
            perMessage.Add("X-RestMail-Queue-ID", queueId);
        perMessage.Add("Arrival-Date", MimeKit.Utils.DateUtils.FormatDate(report.ArrivalDate));
        status.StatusGroups.Add(perMessage);

        foreach (var recipient in report.Recipients)
        {
            var group = new HeaderList();
            if (recipient.OriginalRecipient is { } original)
                group.Add("Original-Recipient", original);
            group.Add("Final-Recipient", $"rfc822; {recipient.Address}");
            group.Add("Action", report.Action.ToString().ToLowerInvariant());
            group.Add("Status", report.Action switch
            {
                DsnAction.Failed => StatusOf(recipient.Detail),
                DsnAction.Delayed => DelayStatusOf(recipient.Detail),
                _ => "2.0.0",
            });
            if (recipient.Detail is { } detail)
            {
                if (RemoteHost().Match(detail) is { Success: true } remote)
                    group.Add("Remote-MTA", $"dns; {remote.Groups[1].Value}");
                // An SMTP reply is a Diagnostic-Code; our own reasons (DNS, expiry, admin) are not.
                if (SmtpReply().IsMatch(detail))
                    group.Add("Diagnostic-Code", $"smtp; {detail}");
                else
                    group.Add("X-RestMail-Diagnostic", detail);
            }
            if (recipient.LastAttemptAt is { } at)
                group.Add("Last-Attempt-Date", MimeKit.Utils.DateUtils.FormatDate(at));
            if (report.RetryUntil is { } until)
                group.Add("Will-Retry-Until", MimeKit.Utils.DateUtils.FormatDate(until));
            status.StatusGroups.Add(group);
        }
        return status;
    }

    private static MimePart HeaderSection(ReadOnlySpan<byte> original)
    {
        var headers = HeaderBytes(original);
        return new MimePart("text", "rfc822-headers")
        {
            Content = new MimeContent(new MemoryStream(headers)),
            ContentTransferEncoding = headers.Any(b => b > 127) ? ContentEncoding.EightBit : ContentEncoding.SevenBit,
        };
    }

    /// <summary>The original, byte for byte, as a message/rfc822 part.</summary>
    private static MessagePart WholeMessage(ReadOnlySpan<byte> original) =>
        new("rfc822") { Message = MimeMessage.Load(new MemoryStream(original.ToArray(), writable: false), persistent: true) };

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
