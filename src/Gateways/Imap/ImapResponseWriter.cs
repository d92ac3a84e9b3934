using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace RestMail.Gateways.Imap;

/// <summary>
/// Writes response syntax (RFC 9051 §7) into the session's pipe: text, numbers, strings as atoms,
/// quoted strings or literals as their content requires.
/// </summary>
public sealed class ImapResponseWriter(IBufferWriter<byte> output)
{
    private IBufferWriter<byte> _output = output;

    /// <summary>Whether the client enabled UTF8=ACCEPT (RFC 6855): 8-bit strings may then be quoted.</summary>
    public bool Utf8Enabled { get; set; }

    public void SetOutput(IBufferWriter<byte> output) => _output = output;

    public ImapResponseWriter Raw(string ascii)
    {
        Encoding.UTF8.GetBytes(ascii, _output);
        return this;
    }

    public ImapResponseWriter Raw(ReadOnlySpan<byte> bytes)
    {
        _output.Write(bytes);
        return this;
    }

    public ImapResponseWriter Number(long value)
    {
        var span = _output.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        _output.Advance(written);
        return this;
    }

    public ImapResponseWriter Line() => Raw("\r\n"u8);

    /// <summary>A quoted string when it can be one, otherwise a literal (CR, LF, NUL, or 8-bit without UTF8=ACCEPT).</summary>
    public ImapResponseWriter Text(string value)
    {
        if (NeedsLiteral(value))
            return Literal(Encoding.UTF8.GetBytes(value));
        _output.Write("\""u8);
        // Escapes: only " and \ (RFC 9051 §4.3).
        var escaped = value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
        Encoding.UTF8.GetBytes(escaped, _output);
        _output.Write("\""u8);
        return this;
    }

    /// <summary>nstring: NIL or a string.</summary>
    public ImapResponseWriter NString(string? value) => value is null ? Raw("NIL"u8) : Text(value);

    /// <summary>astring: an atom when every character allows it, else a string.</summary>
    public ImapResponseWriter AString(string value)
    {
        if (value.Length > 0 && value.All(c => c < 0x80 && (ImapReader.IsAtomChar((byte)c) || c == ']')))
            return Raw(value);
        return Text(value);
    }

    public ImapResponseWriter Literal(ReadOnlySpan<byte> bytes, bool binary = false)
    {
        if (binary)
            Raw("~"u8);
        Raw("{"u8).Number(bytes.Length).Raw("}\r\n"u8);
        _output.Write(bytes);
        return this;
    }

    private bool NeedsLiteral(string value)
    {
        foreach (var c in value)
        {
            if (c is '\r' or '\n' or '\0' || (c >= 0x80 && !Utf8Enabled))
                return true;
        }
        return value.Length > 1024;
    }
}
