using MimeKit;

namespace RestMail.Gateways.Imap;

/// <summary>
/// A raw message parsed once by MimeKit for FETCH, remembering where each entity and each embedded
/// message lie in the raw bytes, so that BODY[section] is cut from the original octets, never
/// re-serialised (RFC 9051 §6.4.5: the server returns what it stored).
/// </summary>
public sealed class ImapParsedMessage
{
    private const int MaxMimeDepth = 32;

    private readonly Dictionary<object, (long Start, long HeadersEnd, long End)> _ranges = new(ReferenceEqualityComparer.Instance);

    private ImapParsedMessage(ReadOnlyMemory<byte> raw)
    {
        Raw = raw;
        var options = ParserOptions.Default.Clone();
        options.MaxMimeDepth = MaxMimeDepth;
        using var stream = new MemoryStream(raw.ToArray(), writable: false);
        var parser = new MimeParser(options, stream, persistent: false);
        parser.MimeEntityEnd += (_, e) => _ranges[e.Entity] = (e.BeginOffset, e.HeadersEndOffset, e.EndOffset);
        parser.MimeMessageEnd += (_, e) => _ranges[e.Message] = (e.BeginOffset, e.HeadersEndOffset, e.EndOffset);
        try
        {
            Message = parser.ParseMessage();
        }
        catch (FormatException)
        {
            Message = null;
        }
    }

    public ReadOnlyMemory<byte> Raw { get; }

    /// <summary>Null when MimeKit could not parse the headers at all; the message is then one text/plain body.</summary>
    public MimeMessage? Message { get; }

    public static ImapParsedMessage Parse(ReadOnlyMemory<byte> raw) => new(raw);

    /// <summary>Where an entity's (or embedded message's) header block and body lie.</summary>
    public (long Start, long HeadersEnd, long End) RangeOf(object entityOrMessage)
    {
        if (_ranges.TryGetValue(entityOrMessage, out var range))
            return (Math.Clamp(range.Start, 0, Raw.Length), Math.Clamp(range.HeadersEnd, 0, Raw.Length), Math.Clamp(range.End, 0, Raw.Length));
        return (0, 0, Raw.Length);
    }

    public ReadOnlyMemory<byte> Slice(long start, long end) => Raw[(int)start..(int)Math.Max(start, end)];

    /// <summary>The top-level header block (with its blank line) and the text after it.</summary>
    public (long HeadersEnd, long End) TopLevel
    {
        get
        {
            if (Message is null)
                return (0, Raw.Length);
            var range = RangeOf(Message);
            return (range.HeadersEnd, Raw.Length);
        }
    }

    /// <summary>
    /// RFC 9051 §6.4.5 part numbers: the Nth child of a multipart; part 1 of a non-multipart body is
    /// the body itself; a number after a message/rfc822 part goes into the embedded message's body.
    /// </summary>
    public MimeEntity? FindPart(IReadOnlyList<int> path)
    {
        if (Message?.Body is not { } current)
            return null;
        var first = true;
        foreach (var number in path)
        {
            MimeEntity container = current;
            if (!first && current is MessagePart embedded)
            {
                if (embedded.Message?.Body is not { } body)
                    return null;
                container = body;
            }
            else if (!first && current is not Multipart)
            {
                return null;
            }
            first = false;
            if (container is Multipart multipart)
            {
                if (number < 1 || number > multipart.Count)
                    return null;
                current = multipart[number - 1];
            }
            else if (number == 1)
            {
                current = container;
            }
            else
            {
                return null;
            }
        }
        return current;
    }
}
