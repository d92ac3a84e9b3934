namespace RestMail.Gateways.Imap;

public sealed partial class ImapSession
{
    /// <summary>The tag of the IDLE in progress (RFC 2177), or null.</summary>
    private string? _idleTag;

    private async Task<Next> StartIdleAsync(string tag, ImapReader reader, CancellationToken ct)
    {
        reader.ExpectEnd();
        _idleTag = tag;
        _out.Raw("+ idling\r\n");
        // Whatever happened before IDLE is reported at once.
        await ReportChangesAsync(expungeAllowed: true, ct);
        return Next.Continue;
    }

    /// <summary>RFC 2177 §3: the only thing a client may send while idling is DONE.</summary>
    private Task<Next> HandleIdleLineAsync(ReadOnlyMemory<byte> line, CancellationToken ct)
    {
        var tag = _idleTag!;
        _idleTag = null;
        if (!Ascii(line.Span).Trim().Equals("DONE", StringComparison.OrdinalIgnoreCase))
            return Task.FromResult(Bad(tag, "Expected DONE"));
        Tagged(tag, "OK", "IDLE terminated");
        return Task.FromResult(Next.Continue);
    }

    /// <summary>
    /// While idling, waits for the client's next bytes, and meanwhile pushes what the mailbox grain
    /// signals (RFC 2177: EXISTS, EXPUNGE and FETCH as they happen; no polling), renewing the
    /// grain subscription before it lapses.
    /// </summary>
    private async Task WaitWhileIdlingAsync(Task read, CancellationToken ct)
    {
        while (!read.IsCompleted && _idleTag is not null)
        {
            Task wake = _signal is null ? Task.Delay(Timeout.Infinite, ct) : _signal.WaitAsync(ct);
            var renew = Task.Delay(Options.ResubscribeInterval, _gateway.Time, ct);
            var done = await Task.WhenAny(read, wake, renew);
            if (done == read)
                return;
            if (done == renew)
                _nextSubscribe = DateTimeOffset.MinValue;
            await ReportChangesAsync(expungeAllowed: true, ct);
            await FlushAsync(ct);
        }
    }
}
