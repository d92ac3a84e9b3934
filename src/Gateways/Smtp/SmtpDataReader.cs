using System.Buffers;

namespace RestMail.Gateways.Smtp;

/// <summary>
/// Reads DATA content: removes dot-stuffing (RFC 5321 §4.5.2) and ends only at CRLF "." CRLF
/// (§4.1.1.4). A line start is only ever after CRLF, so "LF . LF", "CR . CR" or "LF . CRLF" never end
/// the message (SMTP smuggling). Any bare CR or LF is noted so the session can refuse the message;
/// content past <c>maxSize</c> is counted but not kept.
/// </summary>
public sealed class SmtpDataReader
{
    private static readonly byte[] Crlf = "\r\n"u8.ToArray();
    private State _state = State.LineStart;
    private IBufferWriter<byte>? _output;
    private long _maxSize;

    private enum State
    {
        LineStart,
        InLine,
        SawCr,
        Dot,
        DotCr,
    }

    /// <summary>Bytes of content seen so far, dot-stuffing removed.</summary>
    public long Size { get; private set; }

    /// <summary>A CR not followed by LF, or an LF not preceded by CR, was seen.</summary>
    public bool SawBareLineEnding { get; private set; }

    public bool TooBig => Size > _maxSize;

    public void Start(IBufferWriter<byte> output, long maxSize)
    {
        _output = output;
        _maxSize = maxSize;
        _state = State.LineStart;
        Size = 0;
        SawBareLineEnding = false;
    }

    /// <summary>Consumes bytes from <paramref name="buffer"/>; true once the terminating CRLF.CRLF was read.</summary>
    public bool Process(ref ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        var done = false;
        while (!done && !reader.End)
        {
            if (_state == State.InLine)
            {
                // Fast path: copy everything up to the next CR or LF at once.
                var span = reader.UnreadSpan;
                var stop = span.IndexOfAny((byte)'\r', (byte)'\n');
                if (stop != 0)
                {
                    var run = stop < 0 ? span : span[..stop];
                    Emit(run);
                    reader.Advance(run.Length);
                    continue;
                }
            }
            reader.TryRead(out var b);
            done = Step(b);
        }
        buffer = buffer.Slice(reader.Position);
        return done;
    }

    private bool Step(byte b)
    {
        switch (_state)
        {
            case State.LineStart:
                if (b == (byte)'.')
                {
                    _state = State.Dot;
                    return false;
                }
                return InLine(b);
            case State.Dot:
                if (b == (byte)'\r')
                {
                    _state = State.DotCr;
                    return false;
                }
                // The leading dot of a stuffed line is dropped; the rest is ordinary content.
                return InLine(b);
            case State.DotCr:
                if (b == (byte)'\n')
                    return true;
                // "." CR followed by something else: a line holding ".", then a bare CR.
                SawBareLineEnding = true;
                EmitByte((byte)'\r');
                _state = State.InLine;
                return InLine(b);
            case State.SawCr:
                if (b == (byte)'\n')
                {
                    Emit(Crlf);
                    _state = State.LineStart;
                    return false;
                }
                SawBareLineEnding = true;
                EmitByte((byte)'\r');
                _state = State.InLine;
                return InLine(b);
            default:
                return InLine(b);
        }
    }

    private bool InLine(byte b)
    {
        switch (b)
        {
            case (byte)'\r':
                _state = State.SawCr;
                break;
            case (byte)'\n':
                // A bare LF does not start a new line for the terminator.
                SawBareLineEnding = true;
                EmitByte(b);
                _state = State.InLine;
                break;
            default:
                EmitByte(b);
                _state = State.InLine;
                break;
        }
        return false;
    }

    private void EmitByte(byte b) => Emit([b]);

    private void Emit(ReadOnlySpan<byte> bytes)
    {
        var kept = Math.Max(0, Math.Min(bytes.Length, _maxSize - Size));
        if (kept > 0)
            _output!.Write(bytes[..(int)kept]);
        Size += bytes.Length;
    }
}
