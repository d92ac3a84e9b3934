using System.Buffers;
using System.Text;

namespace RestMail.Gateways.Imap;

public enum FrameStatus
{
    /// <summary>No complete command yet: read more.</summary>
    NeedMore = 0,
    /// <summary>A whole command (lines and literals) is in <see cref="ImapCommandFramer.Command"/>.</summary>
    Complete,
    /// <summary>A synchronising literal was announced and fits: send "+" (RFC 9051 §4.3), then read more.</summary>
    SendContinuation,
    /// <summary>A line longer than the limit ended; the command was discarded.</summary>
    LineTooLong,
    /// <summary>A synchronising literal is larger than allowed: answer NO [TOOBIG]; the client sends nothing more of it.</summary>
    LiteralRefused,
    /// <summary>A non-synchronising literal is larger than allowed: its bytes are already on their way; close.</summary>
    NonSyncLiteralTooLarge,
}

/// <summary>
/// Cuts IMAP commands off a buffer: a command is a line, or lines joined by literals
/// ("{n}" / "{n+}" / "~{n}" at a line's end, then n octets). The assembled command keeps the
/// CRLF after each literal announcement so that <see cref="ImapReader"/> sees the wire syntax.
/// Lines are capped without being buffered; literals are capped by a limit chosen from the command
/// name (APPEND may carry a message, nothing else needs much).
/// </summary>
public sealed class ImapCommandFramer(int maxLineLength, Func<string, long> literalLimit)
{
    private readonly ArrayBufferWriter<byte> _command = new();
    private long _literalRemaining;
    private bool _discarding;
    private long _literalTotal;

    /// <summary>The command assembled so far (complete after <see cref="FrameStatus.Complete"/>).</summary>
    public ReadOnlyMemory<byte> Command => _command.WrittenMemory;

    /// <summary>The tag of the command being assembled, for answers about it ("*" if none yet).</summary>
    public string Tag
    {
        get
        {
            var span = _command.WrittenSpan;
            var end = span.IndexOfAny((byte)' ', (byte)'\r');
            var tag = end < 0 ? span : span[..end];
            return tag.Length is > 0 and <= 64 && ImapReader.IsTag(tag) ? Encoding.ASCII.GetString(tag) : "*";
        }
    }

    /// <summary>The command name (after the tag), upper-case, or "" if the first line does not have one.</summary>
    public string CommandName
    {
        get
        {
            var text = Encoding.ASCII.GetString(_command.WrittenSpan[..Math.Min(_command.WrittenCount, 64)]);
            var words = text.Split(' ', 4);
            if (words.Length < 2)
                return "";
            var name = words[1].TrimEnd('\r', '\n').ToUpperInvariant();
            return name == "UID" && words.Length > 2 ? "UID " + words[2].TrimEnd('\r', '\n').ToUpperInvariant() : name;
        }
    }

    public FrameStatus TryRead(ref ReadOnlySequence<byte> buffer)
    {
        while (true)
        {
            if (_literalRemaining > 0)
            {
                var take = (int)Math.Min(_literalRemaining, buffer.Length);
                if (take == 0)
                    return FrameStatus.NeedMore;
                foreach (var part in buffer.Slice(0, take))
                    _command.Write(part.Span);
                buffer = buffer.Slice(take);
                _literalRemaining -= take;
                if (_literalRemaining > 0)
                    return FrameStatus.NeedMore;
            }

            var reader = new SequenceReader<byte>(buffer);
            if (!reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n', advancePastDelimiter: true))
            {
                if (_discarding || buffer.Length >= maxLineLength)
                {
                    if (!_discarding)
                        KeepTagOf(buffer);
                    _discarding = true;
                    buffer = buffer.Slice(buffer.End);
                }
                return FrameStatus.NeedMore;
            }
            buffer = buffer.Slice(reader.Position);
            if (_discarding || line.Length + 1 > maxLineLength)
            {
                if (!_discarding)
                    KeepTagOf(line);
                _discarding = false;
                return FrameStatus.LineTooLong;
            }
            if (line.Length > 0 && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r')
                line = line.Slice(0, line.Length - 1);
            foreach (var part in line)
                _command.Write(part.Span);

            if (!TryParseLiteralAnnouncement(line, out var size, out var synchronising))
                return FrameStatus.Complete;
            var limit = literalLimit(CommandName);
            _literalTotal += size;
            if (size > limit || _literalTotal > 2 * Math.Max(limit, maxLineLength))
                return synchronising ? FrameStatus.LiteralRefused : FrameStatus.NonSyncLiteralTooLarge;
            _command.Write("\r\n"u8);
            _literalRemaining = size;
            if (synchronising)
                return FrameStatus.SendContinuation;
        }
    }

    /// <summary>Keeps the start of a line that is being discarded, so that the BAD names its tag.</summary>
    private void KeepTagOf(ReadOnlySequence<byte> line)
    {
        if (_command.WrittenCount == 0)
        {
            foreach (var part in line.Slice(0, Math.Min(line.Length, 64)))
                _command.Write(part.Span);
        }
    }

    /// <summary>Forgets the command (after it was handled or refused).</summary>
    public void Reset()
    {
        _command.ResetWrittenCount();
        if (_command.Capacity > 256 * 1024)
            _command.Clear();
        _literalRemaining = 0;
        _literalTotal = 0;
    }

    /// <summary>Forgets everything, including a line being discarded (after STARTTLS).</summary>
    public void ResetAll()
    {
        Reset();
        _discarding = false;
    }

    /// <summary>RFC 9051 §4.3 literal = "{" number64 ["+"] "}" CRLF; RFC 3516 literal8 = "~{" ...</summary>
    private static bool TryParseLiteralAnnouncement(ReadOnlySequence<byte> line, out long size, out bool synchronising)
    {
        size = 0;
        synchronising = true;
        if (line.Length < 3)
            return false;
        Span<byte> tail = stackalloc byte[24];
        var length = (int)Math.Min(line.Length, tail.Length);
        line.Slice(line.Length - length).CopyTo(tail);
        tail = tail[..length];
        if (tail[^1] != (byte)'}')
            return false;
        var open = tail.LastIndexOf((byte)'{');
        if (open < 0)
            return false;
        var digits = tail[(open + 1)..^1];
        if (digits.Length > 0 && digits[^1] == (byte)'+')
        {
            synchronising = false;
            digits = digits[..^1];
        }
        if (digits.Length is 0 or > 19)
            return false;
        foreach (var d in digits)
        {
            if (d is < (byte)'0' or > (byte)'9')
                return false;
            size = (size * 10) + (d - '0');
        }
        return size >= 0;
    }
}
