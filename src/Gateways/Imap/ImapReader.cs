using System.Globalization;
using System.Text;

namespace RestMail.Gateways.Imap;

/// <summary>
/// A cursor over one assembled command (see <see cref="ImapCommandFramer"/>), reading the RFC 9051 §9
/// grammar: atoms, quoted strings, literals, lists, numbers, sequence sets. Every violation throws
/// <see cref="ImapParseException"/>, which the session answers with BAD.
/// </summary>
public sealed class ImapReader(ReadOnlyMemory<byte> command, int maxDepth = 16)
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);
    private readonly ReadOnlyMemory<byte> _command = command;
    private int _position;
    private int _depth;

    public bool AtEnd => _position >= _command.Length;

    private ReadOnlySpan<byte> Rest => _command.Span[_position..];

    public int Peek() => AtEnd ? -1 : _command.Span[_position];

    /// <summary>RFC 9051 §9 ATOM-CHAR: any CHAR except atom-specials.</summary>
    public static bool IsAtomChar(byte c) =>
        c is > 0x20 and < 0x7f && c is not ((byte)'(' or (byte)')' or (byte)'{' or (byte)'%' or (byte)'*' or (byte)'"' or (byte)'\\' or (byte)']');

    /// <summary>ASTRING-CHAR = ATOM-CHAR / resp-specials ("]").</summary>
    private static bool IsAStringChar(byte c) => IsAtomChar(c) || c == (byte)']';

    /// <summary>tag = 1*&lt;any ASTRING-CHAR except "+"&gt;.</summary>
    public static bool IsTag(ReadOnlySpan<byte> tag)
    {
        foreach (var c in tag)
        {
            if (!IsAStringChar(c) || c == (byte)'+')
                return false;
        }
        return tag.Length > 0;
    }

    public string ReadTag()
    {
        var start = _position;
        while (!AtEnd && IsAStringChar(_command.Span[_position]) && _command.Span[_position] != (byte)'+')
            _position++;
        if (_position == start)
            throw new ImapParseException("Missing or invalid tag");
        return Encoding.ASCII.GetString(_command.Span[start.._position]);
    }

    public void ExpectSpace()
    {
        if (!TryConsume((byte)' '))
            throw new ImapParseException("Expected a space");
    }

    public bool TryConsume(byte c)
    {
        if (Peek() != c)
            return false;
        _position++;
        return true;
    }

    public void Expect(byte c)
    {
        if (!TryConsume(c))
            throw new ImapParseException($"Expected '{(char)c}'");
    }

    /// <summary>Consumes <paramref name="word"/> (ASCII, case-insensitive) if the input continues with it.</summary>
    public bool TryConsumeWord(string word)
    {
        var rest = Rest;
        if (rest.Length < word.Length)
            return false;
        for (var i = 0; i < word.Length; i++)
        {
            if (char.ToUpperInvariant((char)rest[i]) != char.ToUpperInvariant(word[i]))
                return false;
        }
        _position += word.Length;
        return true;
    }

    public void ExpectEnd()
    {
        if (!AtEnd)
            throw new ImapParseException("Unexpected characters at the end of the command");
    }

    public string ReadAtom()
    {
        var start = _position;
        while (!AtEnd && IsAtomChar(_command.Span[_position]))
            _position++;
        if (_position == start)
            throw new ImapParseException("Expected an atom");
        return Encoding.ASCII.GetString(_command.Span[start.._position]);
    }

    /// <summary>An atom upper-cased (command names, FETCH and SEARCH keys).</summary>
    public string ReadKeyword() => ReadAtom().ToUpperInvariant();

    /// <summary>A FETCH attribute name: letters, digits and dots, stopping before "[" (BODY[...]).</summary>
    public string ReadFetchName()
    {
        var start = _position;
        while (!AtEnd && (char.IsAsciiLetterOrDigit((char)_command.Span[_position]) || _command.Span[_position] is (byte)'.' or (byte)'-'))
            _position++;
        if (_position == start)
            throw new ImapParseException("Expected a FETCH attribute");
        return Encoding.ASCII.GetString(_command.Span[start.._position]).ToUpperInvariant();
    }

    /// <summary>A flag: "\" atom or a keyword atom (RFC 9051 §9 flag).</summary>
    public string ReadFlag()
    {
        if (TryConsume((byte)'\\'))
        {
            if (TryConsume((byte)'*'))
                return "\\*";
            return "\\" + ReadAtom();
        }
        return ReadAtom();
    }

    /// <summary>flag-list = "(" [flag *(SP flag)] ")"; a single flag without parentheses is accepted for STORE.</summary>
    public List<string> ReadFlags()
    {
        var flags = new List<string>();
        if (!TryConsume((byte)'('))
        {
            flags.Add(ReadFlag());
            while (TryConsume((byte)' '))
                flags.Add(ReadFlag());
            return flags;
        }
        if (TryConsume((byte)')'))
            return flags;
        flags.Add(ReadFlag());
        while (TryConsume((byte)' '))
            flags.Add(ReadFlag());
        Expect((byte)')');
        return flags;
    }

    public bool PeekLiteral() => Peek() == (byte)'{' || (Peek() == (byte)'~' && _position + 1 < _command.Length && _command.Span[_position + 1] == (byte)'{');

    /// <summary>astring = 1*ASTRING-CHAR / string, decoded as UTF-8.</summary>
    public string ReadAString()
    {
        if (Peek() == (byte)'"' || PeekLiteral())
            return Decode(ReadStringBytes());
        var start = _position;
        while (!AtEnd && IsAStringChar(_command.Span[_position]))
            _position++;
        if (_position == start)
            throw new ImapParseException("Expected a string");
        return Encoding.ASCII.GetString(_command.Span[start.._position]);
    }

    /// <summary>string = quoted / literal, as raw octets (the message of APPEND).</summary>
    public ReadOnlyMemory<byte> ReadStringBytes()
    {
        if (TryConsume((byte)'"'))
            return Encoding.UTF8.GetBytes(ReadQuotedRest());
        var binary = TryConsume((byte)'~');
        Expect((byte)'{');
        long size = 0;
        var digits = 0;
        while (Peek() is >= '0' and <= '9')
        {
            size = (size * 10) + (_command.Span[_position++] - '0');
            if (++digits > 18)
                throw new ImapParseException("Literal size too large");
        }
        if (digits == 0)
            throw new ImapParseException("Literal without a size");
        TryConsume((byte)'+');
        Expect((byte)'}');
        Expect((byte)'\r');
        Expect((byte)'\n');
        if (size > _command.Length - _position)
            throw new ImapParseException("Literal shorter than announced");
        var bytes = _command.Slice(_position, (int)size);
        _position += (int)size;
        // RFC 9051 §4.3: a literal may not contain NUL unless it is a literal8 (RFC 3516).
        if (!binary && bytes.Span.Contains((byte)0))
            throw new ImapParseException("NUL in a literal; use literal8");
        return bytes;
    }

    private string ReadQuotedRest()
    {
        var builder = new List<byte>();
        while (true)
        {
            if (AtEnd)
                throw new ImapParseException("Unterminated quoted string");
            var c = _command.Span[_position++];
            if (c == (byte)'"')
                return Decode(builder.ToArray());
            if (c == (byte)'\\')
            {
                if (AtEnd || _command.Span[_position] is not ((byte)'"' or (byte)'\\'))
                    throw new ImapParseException("Invalid escape in a quoted string");
                c = _command.Span[_position++];
            }
            else if (c is (byte)'\r' or (byte)'\n' or 0)
            {
                throw new ImapParseException("CR, LF or NUL in a quoted string");
            }
            builder.Add(c);
        }
    }

    private static string Decode(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes.Span);
        }
        catch (DecoderFallbackException)
        {
            throw new ImapParseException("String is not valid UTF-8");
        }
    }

    /// <summary>list-mailbox = 1*list-char / string (list-char allows the wildcards % and *).</summary>
    public string ReadListMailbox()
    {
        if (Peek() == (byte)'"' || PeekLiteral())
            return ReadAString();
        var start = _position;
        while (!AtEnd && (IsAStringChar(_command.Span[_position]) || _command.Span[_position] is (byte)'%' or (byte)'*'))
            _position++;
        if (_position == start)
            throw new ImapParseException("Expected a mailbox pattern");
        return Encoding.ASCII.GetString(_command.Span[start.._position]);
    }

    public long ReadNumber(long max = uint.MaxValue)
    {
        var start = _position;
        long value = 0;
        while (Peek() is >= '0' and <= '9')
        {
            value = (value * 10) + (_command.Span[_position++] - '0');
            if (value > max)
                throw new ImapParseException("Number out of range");
        }
        if (_position == start)
            throw new ImapParseException("Expected a number");
        return value;
    }

    /// <summary>nz-number (RFC 9051 §9).</summary>
    public long ReadNonZeroNumber(long max = uint.MaxValue)
    {
        var value = ReadNumber(max);
        return value == 0 ? throw new ImapParseException("Expected a non-zero number") : value;
    }

    /// <summary>sequence-set, or "$" (RFC 5182 SEARCHRES).</summary>
    public ImapSequenceSet ReadSequenceSet()
    {
        if (TryConsume((byte)'$'))
            return ImapSequenceSet.SavedResult;
        var ranges = new List<(long, long)>();
        do
        {
            var first = ReadSequenceNumber();
            var last = first;
            if (TryConsume((byte)':'))
                last = ReadSequenceNumber();
            ranges.Add((Math.Min(first, last), Math.Max(first, last)));
            if (ranges.Count > 100_000)
                throw new ImapParseException("Sequence set too long");
        }
        while (TryConsume((byte)','));
        return new ImapSequenceSet(ranges);
    }

    private long ReadSequenceNumber() => TryConsume((byte)'*') ? ImapSequenceSet.Star : ReadNonZeroNumber();

    /// <summary>Tells whether the sequence set at the cursor starts here (a digit, "*" or "$").</summary>
    public bool PeekSequenceSet() => Peek() is (>= '0' and <= '9') or '*' or '$';

    /// <summary>date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE.</summary>
    public DateTimeOffset ReadDateTime()
    {
        Expect((byte)'"');
        var start = _position;
        while (!AtEnd && _command.Span[_position] != (byte)'"')
            _position++;
        var text = Encoding.ASCII.GetString(_command.Span[start.._position]).Trim();
        Expect((byte)'"');
        if (!DateTimeOffset.TryParseExact(text, ["d-MMM-yyyy HH:mm:ss zzz", "dd-MMM-yyyy HH:mm:ss zzz"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
            && !TryParseZone(text, out value))
        {
            throw new ImapParseException("Invalid date-time");
        }
        return value;
    }

    private static bool TryParseZone(string text, out DateTimeOffset value)
    {
        // "+0200" has no colon, which the zzz pattern wants: insert it.
        value = default;
        if (text.Length < 5)
            return false;
        var zone = text[^5..];
        var withColon = string.Concat(text.AsSpan(0, text.Length - 5), zone.AsSpan(0, 3), ":", zone.AsSpan(3));
        return DateTimeOffset.TryParseExact(withColon, ["d-MMM-yyyy HH:mm:ss zzz", "dd-MMM-yyyy HH:mm:ss zzz"], CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }

    /// <summary>date = date-text / DQUOTE date-text DQUOTE (SEARCH BEFORE/ON/SINCE).</summary>
    public DateOnly ReadDate()
    {
        var quoted = TryConsume((byte)'"');
        var start = _position;
        while (!AtEnd && (_command.Span[_position] is (byte)'-' || char.IsAsciiLetterOrDigit((char)_command.Span[_position])))
            _position++;
        var text = Encoding.ASCII.GetString(_command.Span[start.._position]);
        if (quoted)
            Expect((byte)'"');
        return DateOnly.TryParseExact(text, ["d-MMM-yyyy", "dd-MMM-yyyy"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw new ImapParseException("Invalid date");
    }

    /// <summary>Enters a parenthesised group; deeper nesting than allowed is refused (a hostile client's recursion).</summary>
    public void EnterGroup()
    {
        if (++_depth > maxDepth)
            throw new ImapParseException("Too deeply nested");
    }

    public void LeaveGroup() => _depth--;
}
