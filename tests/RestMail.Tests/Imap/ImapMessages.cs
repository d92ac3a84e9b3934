using System.Text;

namespace RestMail.Tests.Imap;

/// <summary>Raw test messages with known structure.</summary>
internal static class ImapMessages
{
    public static byte[] Simple(string subject, string body = "Hello there.") => Encoding.UTF8.GetBytes(
        $"From: Alice Example <alice@example.org>\r\nTo: bob@example.net\r\nSubject: {subject}\r\nDate: Tue, 3 Nov 2026 10:00:00 +0100\r\nMessage-ID: <{Guid.NewGuid():N}@example.org>\r\n\r\n{body}\r\n");

    /// <summary>multipart/mixed: a text part and a base64 attachment.</summary>
    public static byte[] WithAttachment(string subject) => Encoding.UTF8.GetBytes(
        "From: \"Carol\" <carol@example.org>\r\n" +
        "To: dave@example.net, Eve <eve@example.net>\r\n" +
        "Cc: frank@example.net\r\n" +
        $"Subject: {subject}\r\n" +
        "Date: Wed, 4 Nov 2026 11:30:00 +0000\r\n" +
        "Message-ID: <att-1@example.org>\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n" +
        "\r\n" +
        "preamble\r\n" +
        "--XYZ\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "\r\n" +
        "First line.\r\nSecond line.\r\n" +
        "--XYZ\r\n" +
        "Content-Type: application/octet-stream; name=\"data.bin\"\r\n" +
        "Content-Disposition: attachment; filename=\"data.bin\"\r\n" +
        "Content-Transfer-Encoding: base64\r\n" +
        "\r\n" +
        "AAECAwQFBgcICQ==\r\n" +
        "--XYZ--\r\n");
}
