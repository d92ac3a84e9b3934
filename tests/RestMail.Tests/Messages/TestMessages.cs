using System.Text;
using MimeKit;

namespace RestMail.Tests.Messages;

/// <summary>Builders for raw test messages.</summary>
internal static class TestMessages
{
    public static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Deterministic pseudo-random bytes, so a failing test fails the same way again.</summary>
    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static byte[] Concat(IEnumerable<ReadOnlyMemory<byte>> segments)
    {
        using var output = new MemoryStream();
        foreach (var segment in segments)
            output.Write(segment.Span);
        return output.ToArray();
    }

    /// <summary>base64 in 76-character lines with CRLF, as MimeKit and most clients write it (RFC 2045 §6.8).</summary>
    public static string Base64Lines(byte[] data, string newLine = "\r\n")
    {
        var b64 = Convert.ToBase64String(data);
        var sb = new StringBuilder();
        for (var i = 0; i < b64.Length; i += 76)
        {
            if (i > 0)
                sb.Append(newLine);
            sb.Append(b64, i, Math.Min(76, b64.Length - i));
        }
        return sb.ToString();
    }

    public static byte[] Write(MimeMessage message)
    {
        using var output = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        message.WriteTo(format, output);
        return output.ToArray();
    }

    public static MimePart Attachment(string fileName, string contentType, byte[] content) => new(ContentType.Parse(contentType))
    {
        Content = new MimeContent(new MemoryStream(content)),
        ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
        ContentTransferEncoding = ContentEncoding.Base64,
        FileName = fileName,
    };

    public static TextPart Text(string subtype, string text) => new(subtype) { Text = text };
}
