using System.Text;
using MimeKit;
using RestMail.Storage.Messages;

namespace RestMail.Tests.Messages;

public sealed class MessageComposerTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 7, 8, 9, 10, TimeSpan.Zero);

    private static ComposeAddress Addr(string address, string? name = null) => new() { Address = address, Name = name };

    private static MimeMessage Reparse(byte[] raw) => MimeMessage.Load(new MemoryStream(raw));

    private static ComposeRequest Full(byte[] pdf) => new()
    {
        From = Addr("Alice@Example.com", "Alice Ä"),
        To = [Addr("bob@example.org", "Bob")],
        Cc = [Addr("carol@example.org")],
        Bcc = [Addr("secret.person@hidden.example")],
        Subject = "Grüße",
        Text = "Hello Bob, ümlauts included.",
        Html = "<p>Hello <b>Bob</b></p>",
        InReplyTo = "<parent@example.org>",
        References = ["root@example.org", "<parent@example.org>"],
        Attachments = [new ComposeAttachment { FileName = "report.pdf", ContentType = "application/pdf", Content = Convert.ToBase64String(pdf) }],
    };

    [Fact]
    public void Text_html_and_attachment_reparse_into_the_expected_structure()
    {
        var pdf = TestMessages.RandomBytes(5000, 1);

        var composed = MessageComposer.Compose(Full(pdf), "mail.example.com", Now);
        var message = Reparse(composed.Raw);

        var mixed = Assert.IsType<Multipart>(message.Body);
        Assert.Equal("multipart/mixed", mixed.ContentType.MimeType);
        Assert.Equal(2, mixed.Count);
        var alternative = Assert.IsType<MultipartAlternative>(mixed[0]);
        var text = Assert.IsType<TextPart>(alternative[0]);
        var html = Assert.IsType<TextPart>(alternative[1]);
        Assert.True(text.IsPlain);
        Assert.Equal("Hello Bob, ümlauts included.", text.Text);
        Assert.True(html.IsHtml);
        Assert.Equal("<p>Hello <b>Bob</b></p>", html.Text);
        var attachment = Assert.IsType<MimePart>(mixed[1]);
        Assert.True(attachment.IsAttachment);
        Assert.Equal("report.pdf", attachment.FileName);
        Assert.Equal("application/pdf", attachment.ContentType.MimeType);
        using var decoded = new MemoryStream();
        attachment.Content!.DecodeTo(decoded, TestContext.Current.CancellationToken);
        Assert.Equal(pdf, decoded.ToArray());

        Assert.Equal("Grüße", message.Subject);
        Assert.Equal(new MailboxAddress("Alice Ä", "alice@example.com"), message.From.Mailboxes.Single());
        Assert.Equal(["bob@example.org"], message.To.Mailboxes.Select(m => m.Address));
        Assert.Equal(["carol@example.org"], message.Cc.Mailboxes.Select(m => m.Address));
        Assert.Equal(Now, message.Date);
        Assert.Equal("parent@example.org", message.InReplyTo);
        Assert.Equal(["root@example.org", "parent@example.org"], message.References);
        Assert.EndsWith("@mail.example.com", message.MessageId, StringComparison.Ordinal);
        Assert.Equal(message.MessageId, composed.MessageId);
        Assert.Equal("alice@example.com", composed.From);
    }

    [Fact]
    public void Bcc_is_delivered_to_but_never_written()
    {
        var composed = MessageComposer.Compose(Full([1, 2, 3]), "mail.example.com", Now);
        var text = Encoding.ASCII.GetString(composed.Raw);

        Assert.DoesNotContain("secret.person", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("hidden.example", text, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(Reparse(composed.Raw).Bcc);
        Assert.False(Reparse(composed.Raw).Headers.Contains(HeaderId.Bcc));
        Assert.Equal(["bob@example.org", "carol@example.org", "secret.person@hidden.example"], composed.Recipients);
    }

    [Fact]
    public void Output_is_seven_bit_with_crlf_line_endings()
    {
        var composed = MessageComposer.Compose(Full(TestMessages.RandomBytes(3000, 2)), "mail.example.com", Now);

        Assert.All(composed.Raw, b => Assert.True(b < 0x80));
        for (var i = 0; i < composed.Raw.Length; i++)
        {
            if (composed.Raw[i] == (byte)'\n')
                Assert.True(i > 0 && composed.Raw[i - 1] == (byte)'\r', $"bare LF at {i}");
        }
        Assert.Contains("MIME-Version: 1.0\r\n", Encoding.ASCII.GetString(composed.Raw), StringComparison.Ordinal);
    }

    [Fact]
    public void Text_only_is_a_single_text_part()
    {
        var composed = MessageComposer.Compose(
            new ComposeRequest { From = Addr("a@example.com"), To = [Addr("b@example.com")], Text = "just text" }, "h.example", Now);

        var part = Assert.IsType<TextPart>(Reparse(composed.Raw).Body);
        Assert.True(part.IsPlain);
        Assert.Equal("just text", part.Text.TrimEnd());
    }

    [Fact]
    public void Inline_image_with_html_goes_into_multipart_related()
    {
        var image = TestMessages.RandomBytes(200, 3);
        var request = new ComposeRequest
        {
            From = Addr("a@example.com"),
            To = [Addr("b@example.com")],
            Html = "<img src=\"cid:logo@x\">",
            Attachments = [new ComposeAttachment { FileName = "logo.png", ContentType = "image/png", ContentId = "<logo@x>", Content = Convert.ToBase64String(image) }],
        };

        var message = Reparse(MessageComposer.Compose(request, "h.example", Now).Raw);

        var related = Assert.IsType<MultipartRelated>(message.Body);
        Assert.True(Assert.IsType<TextPart>(related[0]).IsHtml);
        var img = Assert.IsType<MimePart>(related[1]);
        Assert.Equal("logo@x", img.ContentId);
        Assert.False(img.IsAttachment);
        var view = MessageView.GetAttachment(MessageComposer.Compose(request, "h.example", Now).Raw, 0);
        Assert.Equal(image, view?.Content);
    }

    [Fact]
    public void Composed_message_analyses_back_to_its_fields()
    {
        var composed = MessageComposer.Compose(Full(TestMessages.RandomBytes(6000, 4)), "mail.example.com", Now);

        var analysis = MessageAnalyzer.Analyze(composed.Raw);

        Assert.Equal("alice@example.com", analysis.Summary.FromAddress);
        Assert.Equal("Alice Ä", analysis.Summary.FromName);
        Assert.Equal("Grüße", analysis.Summary.Subject);
        Assert.Equal(["bob@example.org"], analysis.Summary.To);
        Assert.Equal("parent@example.org", analysis.Summary.InReplyTo);
        Assert.True(analysis.Summary.HasAttachments);
        Assert.Equal(3, analysis.Segments.Count);
    }

    [Fact]
    public void Newlines_in_subject_cannot_inject_headers()
    {
        var composed = MessageComposer.Compose(
            new ComposeRequest { From = Addr("a@example.com"), To = [Addr("b@example.com")], Subject = "hi\r\nBcc: victim@example.com" }, "h.example", Now);

        var message = Reparse(composed.Raw);
        Assert.False(message.Headers.Contains(HeaderId.Bcc));
        Assert.Equal("hi  Bcc: victim@example.com", message.Subject);
    }

    [Fact]
    public void Recipients_are_normalised_and_deduplicated()
    {
        var composed = MessageComposer.Compose(
            new ComposeRequest { From = Addr("a@example.com"), To = [Addr("B@Example.com")], Cc = [Addr("b@example.com"), Addr("y@bücher.example")], Bcc = [Addr("x@bücher.example")] },
            "h.example", Now);

        Assert.Equal(["b@example.com", "y@xn--bcher-kva.example", "x@xn--bcher-kva.example"], composed.Recipients);
        // RFC 5322 headers are ASCII: without SMTPUTF8 the domain goes out as its A-label.
        Assert.Contains("y@xn--bcher-kva.example", Encoding.ASCII.GetString(composed.Raw), StringComparison.Ordinal);
    }

    public static TheoryData<string, ComposeRequest> Invalid => new()
    {
        { "from", new ComposeRequest { To = [Addr("b@example.com")], Text = "x" } },
        { "from", new ComposeRequest { From = Addr("not an address"), To = [Addr("b@example.com")] } },
        { "recipient", new ComposeRequest { From = Addr("a@example.com"), Text = "x" } },
        { "recipient", new ComposeRequest { From = Addr("a@example.com"), To = [], Cc = [], Bcc = [] } },
        { "to", new ComposeRequest { From = Addr("a@example.com"), To = [Addr("bad@@example.com")] } },
        { "cc", new ComposeRequest { From = Addr("a@example.com"), To = [Addr("b@example.com")], Cc = [Addr("nodomain")] } },
        { "bcc", new ComposeRequest { From = Addr("a@example.com"), Bcc = [Addr("")] } },
        { "base64", new ComposeRequest { From = Addr("a@example.com"), To = [Addr("b@example.com")], Attachments = [new ComposeAttachment { FileName = "f", Content = "###not base64###" }] } },
        { "content", new ComposeRequest { From = Addr("a@example.com"), To = [Addr("b@example.com")], Attachments = [new ComposeAttachment { FileName = "f" }] } },
        { "content type", new ComposeRequest { From = Addr("a@example.com"), To = [Addr("b@example.com")], Attachments = [new ComposeAttachment { FileName = "f", ContentType = "not a type", Content = "AAAA" }] } },
        { "message id", new ComposeRequest { From = Addr("a@example.com"), To = [Addr("b@example.com")], InReplyTo = "has space@x" } },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_requests_throw_a_compose_exception_naming_the_problem(string mentions, ComposeRequest request)
    {
        var e = Assert.Throws<ComposeException>(() => MessageComposer.Compose(request, "h.example", Now));

        Assert.Contains(mentions, e.Message, StringComparison.OrdinalIgnoreCase);
    }
}
