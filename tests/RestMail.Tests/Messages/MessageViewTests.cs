using System.Text;
using MimeKit;
using RestMail.Storage.Messages;
using static RestMail.Tests.Messages.TestMessages;

namespace RestMail.Tests.Messages;

public sealed class MessageViewTests
{
    private static MimeMessage RichMessage(byte[] pdf, byte[] image, out MimeMessage inner)
    {
        inner = new MimeMessage { Subject = "the original" };
        inner.From.Add(MailboxAddress.Parse("orig@example.com"));
        inner.Body = Text("plain", "original body");

        var message = new MimeMessage { Subject = "Rich", Date = new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.Zero) };
        message.From.Add(new MailboxAddress("Alice", "Alice@Example.com"));
        message.To.Add(new MailboxAddress("Bob", "bob@example.org"));
        message.Cc.Add(MailboxAddress.Parse("carol@example.org"));
        message.ReplyTo.Add(MailboxAddress.Parse("replies@example.com"));
        message.MessageId = "rich@example.com";
        message.InReplyTo = "prev@example.com";
        message.References.Add("root@example.com");
        message.References.Add("prev@example.com");

        var inlineImage = new MimePart("image", "png")
        {
            Content = new MimeContent(new MemoryStream(image)),
            ContentId = "logo@example.com",
            ContentTransferEncoding = ContentEncoding.Base64,
        };
        var pdfPart = Attachment("Résumé.pdf", "application/pdf", pdf);
        message.Body = new Multipart("mixed")
        {
            new MultipartAlternative
            {
                Text("plain", "Plain body"),
                new MultipartRelated
                {
                    Text("html", "<p onclick=\"steal()\">Hi <a href=\"javascript:alert(1)\">link</a> <a href=\"https://example.com/x\">ok</a>"
                        + "<img src=\"cid:logo@example.com\"><img src=\"https://tracker.example/p.gif\"></p><script>alert('x')</script>"
                        + "<form action=\"https://evil.example\"><input name=\"password\"></form>"),
                    inlineImage,
                },
            },
            pdfPart,
            new MessagePart { Message = inner },
        };
        return message;
    }

    [Fact]
    public void Headers_and_bodies_are_exposed()
    {
        var raw = Write(RichMessage(RandomBytes(3000, 1), RandomBytes(500, 2), out _));

        var view = MessageView.Parse(raw);

        Assert.Equal(new MessageAddress("Alice", "alice@example.com"), view.From);
        Assert.Equal([new MessageAddress("Bob", "bob@example.org")], view.To);
        Assert.Equal([new MessageAddress(null, "carol@example.org")], view.Cc);
        Assert.Empty(view.Bcc);
        Assert.Equal([new MessageAddress(null, "replies@example.com")], view.ReplyTo);
        Assert.Equal("Rich", view.Subject);
        Assert.Equal(new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.Zero), view.Date);
        Assert.Equal("rich@example.com", view.MessageId);
        Assert.Equal("prev@example.com", view.InReplyTo);
        Assert.Equal(["root@example.com", "prev@example.com"], view.References);
        Assert.Equal("Plain body", view.Text);
        Assert.NotNull(view.Html);
    }

    [Fact]
    public void Html_is_sanitised()
    {
        var raw = Write(RichMessage(RandomBytes(3000, 1), RandomBytes(500, 2), out _));

        var html = MessageView.Parse(raw).Html!;

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("alert", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("onclick", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<form", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<input", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("src=\"cid:logo@example.com\"", html, StringComparison.Ordinal);
        Assert.Contains("src=\"https://tracker.example/p.gif\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://example.com/x\"", html, StringComparison.Ordinal);
        Assert.Contains("Hi ", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<img src=x onerror=\"alert(1)\">", "onerror")]
    [InlineData("<a href=\"JaVaScRiPt:alert(1)\">x</a>", "alert")]
    [InlineData("<a href=\"data:text/html;base64,PHNjcmlwdD4=\">x</a>", "data:")]
    [InlineData("<iframe src=\"https://evil.example\"></iframe>", "iframe")]
    [InlineData("<svg><script>alert(1)</script></svg>", "alert")]
    [InlineData("<div style=\"background:url(javascript:alert(1))\">x</div>", "javascript")]
    [InlineData("<body onload=\"alert(1)\">x</body>", "onload")]
    public void Html_attack_vectors_are_removed(string html, string forbidden)
    {
        var message = new MimeMessage();
        message.Body = Text("html", html);

        var view = MessageView.Parse(Write(message));

        Assert.NotNull(view.Html);
        Assert.DoesNotContain(forbidden, view.Html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Attachments_are_listed_with_decoded_sizes()
    {
        var pdf = RandomBytes(3000, 1);
        var image = RandomBytes(500, 2);
        var raw = Write(RichMessage(pdf, image, out _));

        var attachments = MessageView.Parse(raw).Attachments;

        Assert.Equal(3, attachments.Count);
        Assert.Equal(
            new AttachmentInfo { Index = 0, FileName = null, ContentType = "image/png", Size = 500, ContentId = "logo@example.com", Inline = true },
            attachments[0]);
        Assert.Equal(
            new AttachmentInfo { Index = 1, FileName = "Résumé.pdf", ContentType = "application/pdf", Size = 3000, ContentId = null, Inline = false },
            attachments[1]);
        Assert.Equal(2, attachments[2].Index);
        Assert.Equal("message/rfc822", attachments[2].ContentType);
        Assert.False(attachments[2].Inline);
    }

    [Fact]
    public void Attachment_download_returns_decoded_bytes()
    {
        var pdf = RandomBytes(3000, 1);
        var image = RandomBytes(500, 2);
        var raw = Write(RichMessage(pdf, image, out _));

        var png = MessageView.GetAttachment(raw, 0);
        var document = MessageView.GetAttachment(raw, 1);

        Assert.NotNull(png);
        Assert.Equal("image/png", png.ContentType);
        Assert.Equal(image, png.Content);
        Assert.NotNull(document);
        Assert.Equal("application/pdf", document.ContentType);
        Assert.Equal("Résumé.pdf", document.FileName);
        Assert.Equal(pdf, document.Content);
    }

    [Fact]
    public void Embedded_message_downloads_byte_exact_and_size_matches()
    {
        var raw = Write(RichMessage(RandomBytes(10, 1), RandomBytes(10, 2), out var inner));

        var eml = MessageView.GetAttachment(raw, 2);
        var listed = MessageView.Parse(raw).Attachments[2];

        Assert.NotNull(eml);
        Assert.Equal("message/rfc822", eml.ContentType);
        Assert.Equal(listed.Size, eml.Content.Length);
        var expected = Write(inner);
        // The embedded copy is the inner message as written inside the outer one.
        Assert.Equal(Encoding.ASCII.GetString(expected).TrimEnd(), Encoding.ASCII.GetString(eml.Content).TrimEnd());
        Assert.Contains(Encoding.ASCII.GetString(eml.Content), Encoding.ASCII.GetString(raw), StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_attachment_index_gives_null()
    {
        var raw = Write(RichMessage(RandomBytes(10, 1), RandomBytes(10, 2), out _));

        Assert.Null(MessageView.GetAttachment(raw, 3));
        Assert.Null(MessageView.GetAttachment(raw, -1));
        Assert.Null(MessageView.GetAttachment(Ascii("Subject: x\r\n\r\nbody\r\n"), 0));
        Assert.Null(MessageView.GetAttachment(Array.Empty<byte>(), 0));
    }

    [Fact]
    public void Rfc2231_file_name_is_decoded()
    {
        var raw = Ascii(
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b\r\n"
            + "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*=UTF-8''na%C3%AFve%20file.txt\r\n\r\nabc\r\n--b--\r\n");

        var attachment = Assert.Single(MessageView.Parse(raw).Attachments);

        Assert.Equal("naïve file.txt", attachment.FileName);
        Assert.Equal(3, attachment.Size);
    }

    [Fact]
    public void Html_only_message_gets_text_from_html()
    {
        var message = new MimeMessage();
        message.Body = Text("html", "<h1>Title</h1><ul><li>one</li><li>two</li></ul><p>a<br>b</p>");

        var view = MessageView.Parse(Write(message));

        Assert.Equal("Title\n\n- one\n- two\n\na\nb", view.Text);
    }

    [Fact]
    public void Plain_only_message_has_no_html()
    {
        var view = MessageView.Parse(Ascii("Subject: x\r\n\r\njust text\r\n"));

        Assert.Null(view.Html);
        Assert.Equal("just text", view.Text);
        Assert.Empty(view.Attachments);
    }

    [Fact]
    public void Sent_copy_shows_bcc()
    {
        var view = MessageView.Parse(Ascii("From: a@example.com\r\nBcc: Hidden <hidden@example.com>\r\n\r\nx\r\n"));

        Assert.Equal([new MessageAddress("Hidden", "hidden@example.com")], view.Bcc);
    }
}
