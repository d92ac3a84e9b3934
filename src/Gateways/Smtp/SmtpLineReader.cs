using System.Buffers;

namespace RestMail.Gateways.Smtp;

public enum LineStatus
{
    /// <summary>No complete line yet: read more.</summary>
    NeedMore = 0,
    /// <summary>A line, without its line ending.</summary>
    Line,
    /// <summary>A line longer than the limit ended; it was discarded whole.</summary>
    TooLong,
}

/// <summary>
/// Splits command lines off a buffer, at most <c>maxLength</c> octets including CRLF. An over-long
/// line is discarded up to its end without being buffered, then reported once.
/// </summary>
public sealed class SmtpLineReader
{
    private bool _discarding;

    public LineStatus TryRead(ref ReadOnlySequence<byte> buffer, int maxLength, out ReadOnlySequence<byte> line)
    {
        line = default;
        var reader = new SequenceReader<byte>(buffer);
        if (reader.TryReadTo(out ReadOnlySequence<byte> content, (byte)'\n', advancePastDelimiter: true))
        {
            buffer = buffer.Slice(reader.Position);
            if (_discarding || content.Length + 1 > maxLength)
            {
                _discarding = false;
                return LineStatus.TooLong;
            }
            // A bare LF ends a command line too; CR before it is not part of the line.
            if (content.Length > 0 && content.Slice(content.Length - 1).FirstSpan[0] == (byte)'\r')
                content = content.Slice(0, content.Length - 1);
            line = content;
            return LineStatus.Line;
        }
        if (_discarding || buffer.Length >= maxLength)
        {
            _discarding = true;
            buffer = buffer.Slice(buffer.End);
        }
        return LineStatus.NeedMore;
    }

    public void Reset() => _discarding = false;
}
