using System.Text;

namespace RestMail.Tests.Mailboxes;

internal static class TestMessages
{
    public static byte[] Plain(string subject, string body = "Hello.", string from = "sender@remote.test", string to = "user@example.test", string? extraHeaders = null) =>
        Encoding.UTF8.GetBytes(
            $"From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@remote.test>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n{extraHeaders}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n");

    /// <summary>A multipart message carrying <paramref name="attachment"/> base64-encoded, with a unique text part.</summary>
    public static byte[] WithAttachment(string subject, byte[] attachment)
    {
        var base64 = Convert.ToBase64String(attachment, Base64FormattingOptions.InsertLineBreaks);
        return Encoding.ASCII.GetBytes(
            "From: sender@remote.test\r\nTo: user@example.test\r\n" +
            $"Subject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@remote.test>\r\nMIME-Version: 1.0\r\n" +
            "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
            $"--b1\r\nContent-Type: text/plain\r\n\r\nSee the attached report ({subject}).\r\n" +
            "--b1\r\nContent-Type: application/pdf; name=\"report.pdf\"\r\nContent-Disposition: attachment; filename=\"report.pdf\"\r\n" +
            $"Content-Transfer-Encoding: base64\r\n\r\n{base64}\r\n--b1--\r\n");
    }
}
