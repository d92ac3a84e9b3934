using System.Buffers;

namespace RestMail.Gateways.Pop3;

/// <summary>
/// Writes a message as the body of a multi-line response (RFC 1939 §3): every line ends in CRLF
/// (a bare LF in the stored bytes becomes CRLF), a line that starts with "." gets a second "."
/// (byte-stuffing), and the response ends with ".CRLF".
/// </summary>
public static class Pop3MessageWriter
{
    /// <summary>RETR: the whole message.</summary>
    public static void WriteMessage(IBufferWriter<byte> writer, ReadOnlySpan<byte> raw) => Write(writer, raw, bodyLines: -1);

    /// <summary>
    /// TOP (RFC 1939 §7): the header, the blank line that ends it, then at most
    /// <paramref name="bodyLines"/> lines of the body.
    /// </summary>
    public static void WriteTop(IBufferWriter<byte> writer, ReadOnlySpan<byte> raw, int bodyLines) =>
        Write(writer, raw, Math.Max(bodyLines, 0));

    private static void Write(IBufferWriter<byte> writer, ReadOnlySpan<byte> raw, int bodyLines)
    {
        var inHeader = true;
        var bodyLinesLeft = bodyLines;
        while (raw.Length > 0)
        {
            if (!inHeader && bodyLines >= 0 && bodyLinesLeft-- == 0)
                break;
            var end = raw.IndexOf((byte)'\n');
            var line = end < 0 ? raw : raw[..end];
            raw = end < 0 ? [] : raw[(end + 1)..];
            if (line.Length > 0 && line[^1] == (byte)'\r')
                line = line[..^1];
            if (line.Length > 0 && line[0] == (byte)'.')
                writer.Write("."u8);
            writer.Write(line);
            writer.Write("\r\n"u8);
            // The first empty line ends the header (RFC 5322 §2.1); it is sent, and TOP counts from after it.
            if (inHeader && line.Length == 0)
                inHeader = false;
        }
        writer.Write(".\r\n"u8);
    }
}
