using System.Security.Cryptography;
using System.Text;
using MimeKit;
using RestMail.Storage.Messages;
using static RestMail.Tests.Messages.TestMessages;

namespace RestMail.Tests.Messages;

public sealed class SegmentationTests
{
    private static IReadOnlyList<ReadOnlyMemory<byte>> SegmentsOf(byte[] raw)
    {
        var segments = MessageAnalyzer.Analyze(raw).Segments;
        Assert.Equal(raw, Concat(segments));
        return segments;
    }

    [Fact]
    public void Plain_message_is_one_segment()
    {
        var raw = Ascii("From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nHello there.\r\n");
        var segments = SegmentsOf(raw);
        Assert.Single(segments);
    }

    [Fact]
    public void Multipart_alternative_text_bodies_stay_in_the_skeleton_even_when_large()
    {
        var message = new MimeMessage { Subject = "alt" };
        message.From.Add(MailboxAddress.Parse("a@example.com"));
        message.Body = new MultipartAlternative
        {
            Text("plain", string.Concat(Enumerable.Repeat("plain text line\n", 1000))),
            Text("html", "<p>" + string.Concat(Enumerable.Repeat("html text line ", 1000)) + "</p>"),
        };
        var raw = Write(message);

        Assert.True(raw.Length > 20_000);
        Assert.Single(SegmentsOf(raw));
    }

    [Fact]
    public void Attachment_body_is_exactly_its_encoded_lines()
    {
        var data = RandomBytes(100 * 1024, seed: 1);
        var encoded = Base64Lines(data);
        var raw = Ascii(
            "From: a@example.com\r\nSubject: file\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
            + "--b1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
            + "--b1\r\nContent-Type: application/pdf; name=x.pdf\r\nContent-Disposition: attachment; filename=x.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + encoded + "\r\n--b1--\r\n");

        var segments = SegmentsOf(raw);

        Assert.Equal(3, segments.Count);
        Assert.Equal(encoded, Encoding.ASCII.GetString(segments[1].Span));
        Assert.Equal(data, Convert.FromBase64String(Encoding.ASCII.GetString(segments[1].Span)));
        Assert.EndsWith("Content-Transfer-Encoding: base64\r\n\r\n", Encoding.ASCII.GetString(segments[0].Span), StringComparison.Ordinal);
        Assert.Equal("\r\n--b1--\r\n", Encoding.ASCII.GetString(segments[2].Span));
    }

    [Fact]
    public void Small_attachment_stays_in_the_skeleton()
    {
        var message = new MimeMessage { Subject = "small" };
        message.Body = new Multipart("mixed") { Text("plain", "hi"), Attachment("a.bin", "application/octet-stream", RandomBytes(1000, 2)) };
        var raw = Write(message);

        Assert.Single(SegmentsOf(raw));
    }

    [Fact]
    public void Large_text_attachment_is_separated_but_large_inline_text_is_not()
    {
        var log = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("log line\n", 2000)));
        var message = new MimeMessage { Subject = "log" };
        message.Body = new Multipart("mixed")
        {
            Text("plain", string.Concat(Enumerable.Repeat("body line\n", 2000))),
            Attachment("app.log", "text/plain", log),
        };
        var raw = Write(message);

        var segments = SegmentsOf(raw);

        Assert.Equal(3, segments.Count);
        Assert.Equal(log, Convert.FromBase64String(Encoding.ASCII.GetString(segments[1].Span)));
    }

    [Fact]
    public void Nested_multiparts_separate_every_large_non_text_leaf()
    {
        var image = RandomBytes(8 * 1024, 3);
        var pdf = RandomBytes(20 * 1024, 4);
        var innerZip = RandomBytes(10 * 1024, 5);

        var inner = new MimeMessage { Subject = "forwarded" };
        inner.From.Add(MailboxAddress.Parse("c@example.com"));
        inner.Body = new Multipart("mixed") { Text("plain", "inner body"), Attachment("z.zip", "application/zip", innerZip) };

        var inlineImage = new MimePart("image", "png")
        {
            Content = new MimeContent(new MemoryStream(image)),
            ContentId = "logo@example.com",
            ContentTransferEncoding = ContentEncoding.Base64,
        };
        var message = new MimeMessage { Subject = "nested" };
        message.From.Add(MailboxAddress.Parse("a@example.com"));
        message.Body = new Multipart("mixed")
        {
            new MultipartAlternative
            {
                Text("plain", "text"),
                new MultipartRelated { Text("html", "<p>html <img src=\"cid:logo@example.com\"></p>"), inlineImage },
            },
            Attachment("doc.pdf", "application/pdf", pdf),
            new MessagePart { Message = inner },
        };
        var raw = Write(message);

        var segments = SegmentsOf(raw);

        // skeleton, image, skeleton, pdf, skeleton, zip, skeleton
        Assert.Equal(7, segments.Count);
        Assert.Equal(image, Convert.FromBase64String(Encoding.ASCII.GetString(segments[1].Span)));
        Assert.Equal(pdf, Convert.FromBase64String(Encoding.ASCII.GetString(segments[3].Span)));
        Assert.Equal(innerZip, Convert.FromBase64String(Encoding.ASCII.GetString(segments[5].Span)));
    }

    [Fact]
    public void Same_attachment_in_two_different_messages_gives_an_identical_segment()
    {
        var data = RandomBytes(100 * 1024, 6);

        var first = new MimeMessage { Subject = "first", Date = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero) };
        first.From.Add(new MailboxAddress("Alice", "alice@example.com"));
        first.To.Add(MailboxAddress.Parse("bob@example.org"));
        first.Body = new Multipart("mixed") { Text("plain", "Here is the report."), Attachment("report.pdf", "application/pdf", data) };

        // Different headers, body, boundary, file name, and the attachment is not the last part.
        var second = new MimeMessage { Subject = "Fwd: something else entirely" };
        second.From.Add(new MailboxAddress("Carol", "carol@example.net"));
        second.Cc.Add(MailboxAddress.Parse("dave@example.net"));
        second.Body = new Multipart("mixed")
        {
            new MultipartAlternative { Text("plain", "Forwarding, see below."), Text("html", "<b>Forwarding</b>") },
            Attachment("copy of report.pdf", "application/octet-stream", data),
            Attachment("notes.bin", "application/octet-stream", RandomBytes(6000, 7)),
        };

        var a = SegmentsOf(Write(first));
        var b = SegmentsOf(Write(second));

        var hashesA = a.Select(s => Convert.ToHexString(SHA256.HashData(s.Span))).ToHashSet();
        var hashesB = b.Select(s => Convert.ToHexString(SHA256.HashData(s.Span))).ToHashSet();
        var shared = Assert.Single(hashesA.Intersect(hashesB));
        var segment = a.Single(s => Convert.ToHexString(SHA256.HashData(s.Span)) == shared);
        Assert.Equal(data, Convert.FromBase64String(Encoding.ASCII.GetString(segment.Span)));
    }

    [Fact]
    public void Attachment_segment_does_not_depend_on_a_trailing_newline_at_the_end_of_the_message()
    {
        var data = RandomBytes(9000, 8);
        var encoded = Base64Lines(data);
        string Message(string tail) =>
            "Subject: x\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + encoded + tail;

        var terminated = SegmentsOf(Ascii(Message("\r\n--q--\r\n")));
        var unterminated = SegmentsOf(Ascii(Message("\r\n")));
        var noNewline = SegmentsOf(Ascii(Message("")));

        Assert.Equal(encoded, Encoding.ASCII.GetString(terminated[1].Span));
        Assert.Equal(encoded, Encoding.ASCII.GetString(unterminated[1].Span));
        Assert.Equal(encoded, Encoding.ASCII.GetString(noNewline[1].Span));
    }

    [Fact]
    public void Bare_lf_message_is_segmented_byte_exactly()
    {
        var data = RandomBytes(12_000, 9);
        var encoded = Base64Lines(data, "\n");
        var raw = Ascii(
            "From: a@example.com\nSubject: lf\nContent-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: text/plain\n\nhello\n"
            + "--zz\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=a.bin\nContent-Transfer-Encoding: base64\n\n"
            + encoded + "\n--zz--\n");

        var segments = SegmentsOf(raw);

        Assert.Equal(3, segments.Count);
        Assert.Equal(encoded, Encoding.ASCII.GetString(segments[1].Span));
    }

    [Fact]
    public void Single_part_non_text_message_separates_its_body()
    {
        var data = RandomBytes(10_000, 10);
        var encoded = Base64Lines(data);
        var raw = Ascii("Subject: x\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + encoded + "\r\n");

        var segments = SegmentsOf(raw);

        Assert.Equal(3, segments.Count);
        Assert.Equal(encoded, Encoding.ASCII.GetString(segments[1].Span));
        Assert.Equal("\r\n", Encoding.ASCII.GetString(segments[2].Span));
    }

    public static TheoryData<string, byte[]> Malformed => new()
    {
        { "empty", [] },
        { "one byte", [0x0a] },
        { "binary garbage", RandomBytes(64 * 1024, 11) },
        { "nul bytes", new byte[5000] },
        { "garbage headers", Ascii("::::\r\n\x01\x02 not a header\r\n\r\n--\r\n") },
        { "headers only, no body", Ascii("Subject: only headers") },
        { "no header block", Ascii("just some text\r\nwithout headers at all\r\n") },
        { "8-bit utf-8 headers", Utf8("From: Jörg <jörg@bücher.example>\r\nSubject: Grüße aus Köln\r\n\r\nbody\r\n") },
        { "8-bit latin-1 headers", [.. Ascii("Subject: "), 0x47, 0x72, 0xfc, 0xdf, 0x65, .. Ascii("\r\n\r\nbody\r\n")] },
        { "unterminated boundary", Ascii("Content-Type: multipart/mixed; boundary=u\r\n\r\n--u\r\nContent-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Base64Lines(RandomBytes(8000, 12))) },
        { "boundary never appears", Ascii("Content-Type: multipart/mixed; boundary=nope\r\n\r\nbody without parts\r\n") },
        { "multipart without boundary", Ascii("Content-Type: multipart/mixed\r\n\r\n--x\r\n\r\nhi\r\n--x--\r\n") },
        { "bad base64", Ascii("Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!not base64 at all****\r\n") },
        { "unknown transfer encoding", Ascii("Content-Type: application/pdf\r\nContent-Transfer-Encoding: x-weird\r\n\r\n" + new string('A', 6000) + "\r\n") },
        { "deep nesting", Ascii(string.Concat(Enumerable.Range(0, 200).Select(i => $"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n")) + "\r\nleaf\r\n") },
        { "header line without colon then body", Ascii("Subject hello\r\nFrom a@b\r\n\r\nbody") },
        { "very long header line", Ascii("Subject: " + new string('x', 100_000) + "\r\n\r\nbody\r\n") },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_input_never_throws_and_still_reassembles(string name, byte[] raw)
    {
        Assert.NotNull(name);
        var analysis = MessageAnalyzer.Analyze(raw);
        Assert.Equal(raw, Concat(analysis.Segments));
        Assert.NotNull(analysis.Summary);

        var view = MessageView.Parse(raw);
        Assert.NotNull(view);
        Assert.Null(MessageView.GetAttachment(raw, 1000));
    }

    [Fact]
    public void Unterminated_multipart_still_separates_the_attachment()
    {
        var data = RandomBytes(8000, 13);
        var encoded = Base64Lines(data);
        var raw = Ascii("Content-Type: multipart/mixed; boundary=u\r\n\r\n--u\r\nContent-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\n\r\n" + encoded);

        var segments = SegmentsOf(raw);

        Assert.Equal(2, segments.Count);
        Assert.Equal(encoded, Encoding.ASCII.GetString(segments[1].Span));
    }

    [Fact]
    public void Every_truncation_of_a_multipart_message_reassembles()
    {
        var message = new MimeMessage { Subject = "truncate me" };
        message.From.Add(MailboxAddress.Parse("a@example.com"));
        message.Body = new Multipart("mixed")
        {
            new MultipartAlternative { Text("plain", "text body"), Text("html", "<p>html body</p>") },
            Attachment("a.bin", "application/octet-stream", RandomBytes(6000, 14)),
            Attachment("b.bin", "application/octet-stream", RandomBytes(5000, 15)),
        };
        var full = Write(message);

        for (var length = 0; length <= full.Length; length += 37)
        {
            var raw = full.AsMemory(0, length);
            var segments = MessageAnalyzer.Analyze(raw).Segments;
            Assert.Equal(full[..length], Concat(segments));
        }
    }

    [Fact]
    public void Segments_of_a_slice_refer_to_the_slice_not_the_whole_buffer()
    {
        var message = new MimeMessage { Subject = "offset" };
        message.Body = new Multipart("mixed") { Text("plain", "x"), Attachment("a.bin", "application/octet-stream", RandomBytes(7000, 16)) };
        var raw = Write(message);
        var padded = new byte[raw.Length + 200];
        raw.CopyTo(padded, 100);

        var segments = MessageAnalyzer.Analyze(padded.AsMemory(100, raw.Length)).Segments;

        Assert.Equal(3, segments.Count);
        Assert.Equal(raw, Concat(segments));
    }
}
