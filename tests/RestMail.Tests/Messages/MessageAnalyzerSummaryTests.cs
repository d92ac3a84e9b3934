using MimeKit;
using RestMail.Storage.Messages;
using static RestMail.Tests.Messages.TestMessages;

namespace RestMail.Tests.Messages;

public sealed class MessageAnalyzerSummaryTests
{
    [Fact]
    public void Summary_fields_are_decoded_from_encoded_words()
    {
        var raw = Ascii(
            "From: =?UTF-8?B?SsO2cmcgTcO8bGxlcg==?= <Joerg.Mueller@Example.COM>\r\n"
            + "To: Bob <BOB@example.org>, =?ISO-8859-1?Q?Ren=E9?= <rene@example.fr>\r\n"
            + "Cc: team: carol@example.net, dave@example.net;\r\n"
            + "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus =?UTF-8?B?S8O2bG4=?=\r\n"
            + "Date: Tue, 01 Jul 2025 10:30:00 +0200\r\n"
            + "Message-ID: <abc.123@mail.example.com>\r\n"
            + "In-Reply-To: <parent@example.org>\r\n"
            + "References: <root@example.org>\r\n <parent@example.org>\r\n"
            + "\r\n"
            + "Hello,\r\n\r\n   this   is\tthe body.\r\n");

        var summary = MessageAnalyzer.Analyze(raw).Summary;

        Assert.Equal("joerg.mueller@example.com", summary.FromAddress);
        Assert.Equal("Jörg Müller", summary.FromName);
        Assert.Equal(["bob@example.org", "rene@example.fr"], summary.To);
        Assert.Equal(["carol@example.net", "dave@example.net"], summary.Cc);
        Assert.Equal("Grüße aus Köln", summary.Subject);
        Assert.Equal(new DateTimeOffset(2025, 7, 1, 10, 30, 0, TimeSpan.FromHours(2)), summary.Date);
        Assert.Equal("abc.123@mail.example.com", summary.MessageId);
        Assert.Equal("parent@example.org", summary.InReplyTo);
        Assert.Equal(["root@example.org", "parent@example.org"], summary.References);
        Assert.False(summary.HasAttachments);
        Assert.Equal("Hello, this is the body.", summary.Preview);
    }

    [Fact]
    public void Missing_headers_give_nulls_not_defaults()
    {
        var summary = MessageAnalyzer.Analyze(Ascii("X-Other: 1\r\n\r\nbody\r\n")).Summary;

        Assert.Null(summary.FromAddress);
        Assert.Null(summary.FromName);
        Assert.Null(summary.Subject);
        Assert.Null(summary.Date);
        Assert.Null(summary.MessageId);
        Assert.Null(summary.InReplyTo);
        Assert.Empty(summary.To);
        Assert.Empty(summary.References);
        Assert.Equal("body", summary.Preview);
    }

    [Fact]
    public void From_domain_is_converted_to_punycode()
    {
        var summary = MessageAnalyzer.Analyze(Utf8("From: Jörg <info@Bücher.example>\r\n\r\nx\r\n")).Summary;

        Assert.Equal("info@xn--bcher-kva.example", summary.FromAddress);
    }

    [Fact]
    public void Eight_bit_utf8_subject_is_read_as_utf8()
    {
        var summary = MessageAnalyzer.Analyze(Utf8("Subject: Grüße\r\n\r\nx\r\n")).Summary;

        Assert.Equal("Grüße", summary.Subject);
    }

    [Fact]
    public void Preview_is_cut_to_200_characters_with_whitespace_collapsed()
    {
        var body = string.Concat(Enumerable.Repeat("word \r\n\r\n  ", 200));
        var summary = MessageAnalyzer.Analyze(Ascii("Subject: long\r\n\r\n" + body)).Summary;

        Assert.Equal(MessageAnalyzer.PreviewChars, summary.Preview.Length);
        Assert.StartsWith("word word word", summary.Preview, StringComparison.Ordinal);
        Assert.DoesNotContain("  ", summary.Preview, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", summary.Preview, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_only_message_gets_preview_and_search_text_from_converted_html()
    {
        var message = new MimeMessage { Subject = "html" };
        message.Body = Text("html",
            "<html><head><title>T</title><style>p { color: red }</style></head><body>"
            + "<script>var secret = 1;</script><p>Hello&nbsp;<b>World</b> &amp; friends</p><div>Second line</div></body></html>");
        var analysis = MessageAnalyzer.Analyze(Write(message));

        Assert.Equal("Hello World & friends\n\nSecond line", analysis.SearchText);
        Assert.Equal("Hello World & friends Second line", analysis.Summary.Preview);
        Assert.DoesNotContain("secret", analysis.SearchText, StringComparison.Ordinal);
        Assert.DoesNotContain("color", analysis.SearchText, StringComparison.Ordinal);
    }

    [Fact]
    public void Search_text_prefers_text_plain_over_html_alternative()
    {
        var message = new MimeMessage();
        message.Body = new MultipartAlternative { Text("plain", "plain words"), Text("html", "<p>html words</p>") };

        var analysis = MessageAnalyzer.Analyze(Write(message));

        Assert.Equal("plain words", analysis.SearchText);
    }

    [Fact]
    public void Search_text_is_capped_at_256_KiB_characters()
    {
        var message = new MimeMessage();
        message.Body = Text("plain", new string('a', 400_000));

        var analysis = MessageAnalyzer.Analyze(Write(message));

        Assert.Equal(MessageAnalyzer.MaxSearchTextChars, analysis.SearchText.Length);
    }

    [Fact]
    public void Attachment_sets_has_attachments_but_a_cid_inline_image_does_not()
    {
        var withFile = new MimeMessage();
        withFile.Body = new Multipart("mixed") { Text("plain", "x"), Attachment("a.txt", "text/plain", [1, 2, 3]) };

        var withInlineImage = new MimeMessage();
        withInlineImage.Body = new MultipartRelated
        {
            Text("html", "<img src=\"cid:img1@x\">"),
            new MimePart("image", "gif") { Content = new MimeContent(new MemoryStream([71, 73, 70])), ContentId = "img1@x" },
        };

        Assert.True(MessageAnalyzer.Analyze(Write(withFile)).Summary.HasAttachments);
        Assert.False(MessageAnalyzer.Analyze(Write(withInlineImage)).Summary.HasAttachments);
    }

    [Fact]
    public void Text_in_a_declared_charset_is_decoded()
    {
        var raw = Ascii("Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=E9 cr=E8me\r\n");

        Assert.Equal("Café crème", MessageAnalyzer.Analyze(raw).SearchText);
    }

    [Fact]
    public void Garbage_gives_an_empty_summary()
    {
        var analysis = MessageAnalyzer.Analyze(RandomBytes(4096, 20));

        Assert.NotNull(analysis.Summary);
        Assert.Single(analysis.Segments);
    }
}
