using System.Threading.Channels;
using RestMail.Grains.Mailboxes;

namespace RestMail.Api.Sync;

/// <summary>
/// The observer an SSE stream registers with the mailbox grain. A notification only says "something
/// changed": the stream then reads the change log, so coalescing many notifications into one wake-up
/// loses nothing.
/// </summary>
internal sealed class MailboxSignal : IMailboxObserver
{
    private readonly Channel<long> _changes = Channel.CreateBounded<long>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });

    public Task OnChanged(long highestModSeq)
    {
        _changes.Writer.TryWrite(highestModSeq);
        return Task.CompletedTask;
    }

    /// <summary>Completes when a change was signalled since the last call (true), or never before cancellation.</summary>
    public async Task<bool> WaitAsync(CancellationToken ct)
    {
        var ready = await _changes.Reader.WaitToReadAsync(ct);
        while (_changes.Reader.TryRead(out _))
        {
        }
        return ready;
    }
}
