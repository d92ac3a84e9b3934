using System.Buffers;
using System.Text;

namespace RestMail.Gateways.Smtp;

/// <summary>A command line split into its verb and its argument (the text after the first space).</summary>
public readonly record struct SmtpCommand(SmtpVerb Verb, string Argument)
{
    private static readonly (byte[] Name, SmtpVerb Verb)[] Verbs =
    [
        ("EHLO"u8.ToArray(), SmtpVerb.Ehlo), ("HELO"u8.ToArray(), SmtpVerb.Helo), ("MAIL"u8.ToArray(), SmtpVerb.Mail),
        ("RCPT"u8.ToArray(), SmtpVerb.Rcpt), ("DATA"u8.ToArray(), SmtpVerb.Data), ("BDAT"u8.ToArray(), SmtpVerb.Bdat),
        ("RSET"u8.ToArray(), SmtpVerb.Rset), ("NOOP"u8.ToArray(), SmtpVerb.Noop), ("QUIT"u8.ToArray(), SmtpVerb.Quit),
        ("VRFY"u8.ToArray(), SmtpVerb.Vrfy), ("EXPN"u8.ToArray(), SmtpVerb.Expn), ("HELP"u8.ToArray(), SmtpVerb.Help),
        ("STARTTLS"u8.ToArray(), SmtpVerb.StartTls), ("AUTH"u8.ToArray(), SmtpVerb.Auth),
    ];

    /// <summary>Parses one line (without its CRLF). Verbs are case-insensitive (RFC 5321 §2.4).</summary>
    public static SmtpCommand Parse(ReadOnlySequence<byte> line)
    {
        Span<byte> scratch = stackalloc byte[(int)Math.Min(line.Length, 1024)];
        var bytes = line.IsSingleSegment ? line.FirstSpan : Copy(line, scratch);
        var space = bytes.IndexOf((byte)' ');
        var name = space < 0 ? bytes : bytes[..space];
        var argument = space < 0 ? "" : Encoding.UTF8.GetString(bytes[(space + 1)..]).Trim(' ', '\t');
        foreach (var (verbName, verb) in Verbs)
        {
            if (Ascii.EqualsIgnoreCase(name, verbName))
                return new SmtpCommand(verb, argument);
        }
        return new SmtpCommand(SmtpVerb.Unknown, argument);
    }

    private static ReadOnlySpan<byte> Copy(ReadOnlySequence<byte> line, Span<byte> scratch)
    {
        var length = (int)Math.Min(line.Length, scratch.Length);
        line.Slice(0, length).CopyTo(scratch);
        return scratch[..length];
    }
}
