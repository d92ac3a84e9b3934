using System.Buffers;
using System.Globalization;
using System.Text;

namespace RestMail.Gateways.Smtp;

/// <summary>
/// One reply, encoded once: code, RFC 3463 enhanced status code and text. Multi-line replies (EHLO)
/// use "250-" on every line but the last (RFC 5321 §4.2.1).
/// </summary>
public sealed class SmtpReply
{
    private readonly byte[] _bytes;

    public SmtpReply(SmtpReplyCode code, string? enhanced, string text)
        : this(code, enhanced, [text])
    {
    }

    public SmtpReply(SmtpReplyCode code, string? enhanced, IReadOnlyList<string> lines)
    {
        Code = code;
        var builder = new StringBuilder();
        for (var i = 0; i < lines.Count; i++)
        {
            builder.Append(((int)code).ToString(CultureInfo.InvariantCulture));
            builder.Append(i == lines.Count - 1 ? ' ' : '-');
            // Enhanced codes go on every line but not on the greeting or the EHLO keywords (RFC 2034 §3).
            if (enhanced is not null)
                builder.Append(enhanced).Append(' ');
            builder.Append(lines[i]).Append("\r\n");
        }
        _bytes = Encoding.UTF8.GetBytes(builder.ToString());
    }

    public SmtpReplyCode Code { get; }

    public ReadOnlySpan<byte> Bytes => _bytes;

    public bool IsPositive => (int)Code < 400;

    public void WriteTo(IBufferWriter<byte> writer) => writer.Write(_bytes);

    public override string ToString() => Encoding.UTF8.GetString(_bytes);
}
